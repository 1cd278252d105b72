# The C API (engram/engram.h, c_api/*.cc): the static library engram_c and the shared library
# libengram.so (target engram_shared), both wrapping engram_engine and built from the same
# sources.
set(ENGRAM_C_API_SOURCES
  c_api/databases.cc
  c_api/errors.cc
  c_api/exec.cc
  c_api/remote.cc
  c_api/results.cc
)

# engram_c: for programs linking the engine statically (C programs need the C++ runtime at link
# time: link through CMake, or with g++/c++, or add -lstdc++).
add_library(engram_c STATIC ${ENGRAM_C_API_SOURCES})
engram_target_defaults(engram_c)
target_include_directories(engram_c PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(engram_c PUBLIC engram_engine engram_remote)
target_compile_definitions(engram_c PRIVATE ENGRAM_VERSION="${PROJECT_VERSION}")

# engram_shared (libengram.so): the engine in one shared object exporting only the engram_*
# functions of engram.h. It pulls every static engram library in, so those must be compiled
# position-independent: the top-level CMakeLists.txt sets CMAKE_POSITION_INDEPENDENT_CODE ON
# before any target exists (and this file runs before the targets of compute/, storage/ and
# query/ are defined, so it could not set the property on them itself). Without that, the shared
# library is not built.
option(ENGRAM_C_SHARED "Build the C API as a shared library too (libengram.so)" ON)
if(ENGRAM_C_SHARED AND NOT CMAKE_POSITION_INDEPENDENT_CODE)
  message(STATUS "engram: CMAKE_POSITION_INDEPENDENT_CODE is off; libengram.so is not built")
elseif(ENGRAM_C_SHARED)
  add_library(engram_shared SHARED ${ENGRAM_C_API_SOURCES})
  engram_target_defaults(engram_shared)
  target_include_directories(engram_shared PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(engram_shared PRIVATE engram_engine engram_remote)
  target_compile_definitions(engram_shared PRIVATE ENGRAM_VERSION="${PROJECT_VERSION}")
  set_target_properties(engram_shared PROPERTIES
    OUTPUT_NAME engram
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}
    # Only what engram.h marks ENGRAM_API is exported: the C API's own symbols are hidden by
    # default, and --exclude-libs hides those of the static libraries linked in, so the
    # engine's C++ symbols cannot clash with a host program's (another flatbuffers, say).
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(engram_shared PRIVATE -Wl,--exclude-libs,ALL -Wl,--no-undefined)
endif()
