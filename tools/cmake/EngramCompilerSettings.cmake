# Compiler settings shared by every engram target.

# ccache when present: a LibTorch translation unit costs ~10-25 s on two cores.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  message(STATUS "engram: using ccache at ${CCACHE_PROGRAM}")
endif()

# Release builds use -O3 (the fused CPU decode kernels depend on vectorisation) but keep
# IEEE semantics: no -ffast-math anywhere, so results stay reproducible across runs.
set(CMAKE_CXX_FLAGS_RELEASE "-O3 -DNDEBUG" CACHE STRING "" FORCE)
set(CMAKE_C_FLAGS_RELEASE "-O3 -DNDEBUG" CACHE STRING "" FORCE)

# engram_warnings: an interface target every first-party target links to.
add_library(engram_warnings INTERFACE)
target_compile_options(engram_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wno-missing-field-initializers)
if(ENGRAM_WERROR)
  target_compile_options(engram_warnings INTERFACE -Werror)
endif()

# Third-party headers (LibTorch above all) are included as system headers so their warnings
# do not drown ours.
function(engram_target_defaults target)
  target_link_libraries(${target} PRIVATE engram_warnings)
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR})
endfunction()
