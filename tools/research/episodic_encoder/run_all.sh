#!/bin/bash
# Study 2 (docs/episodic.md §6 follow-up): stories IDF, shippable IDF tables, unknown-subject scope.
set -e
export ENGRAM_SHARED_DATA=${ENGRAM_SHARED_DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../shared/data" && pwd)}
cd "$(dirname "$0")"
[ -d stories ] && [ "$(ls stories | wc -l)" -ge 2000 ] || ./gen_stories.sh stories 2000 2
python3 data.py >/dev/null
A="--C 4096 --char 1 --scope --stories stories --asset"
python3 study.py $A --only 'h_gpt2rank_x_booksidf$,i_stories_idf$,c_books_idf_win20$' --out s2_a.jsonl &
python3 study.py $A --only 'i_stories_idf_x_gpt2rank$,h_gpt2rank_x_booksidf~q8$,i_stories_idf_x_gpt2rank~q8$' --out s2_b.jsonl &
wait
python3 study.py $A --only 'h_gpt2rank_x_booksidf~b' --out s2_c.jsonl &
python3 study.py $A --only 'i_stories_idf_x_gpt2rank~b' --out s2_d.jsonl &
wait
