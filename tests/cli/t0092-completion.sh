#!/usr/bin/env bash
# Shell completion (completion/, issue 20): bash through `complete -p` and COMP_WORDS, zsh
# through compinit (the file registers for klartext) with compadd/_files recording what the
# function offers. Commands, sub-commands, options, option values, incident IDs from the
# register given with --db, files.
. "$(dirname "$0")/lib.sh"
COMP=$SRC_DIR/completion
mkdir bin && ln -s "$KLARTEXT" bin/klartext && export PATH=$TRASH/bin:$PATH
klartext init --db reg.db >/dev/null 2>&1 &&
klartext --db reg.db incident new --title one --aware-at 2026-11-20T09:17:00+01:00 --aware-how x >/dev/null 2>&1 &&
klartext --db reg.db incident new --title two --aware-at 2026-11-20T09:17:00+01:00 --aware-how x >/dev/null 2>&1
touch rule.conf access.log

cat >bash-drive <<'B'
. "$1"
complete -p klartext
c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      COMPREPLY=(); _klartext; printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '; echo; }
c klartext ''
c klartext inc
c klartext incident ''
c klartext incident list --
c klartext --db reg.db report ''
c klartext --db=reg.db incident show ''
c klartext --db reg.db scan --incident ''
c klartext --db reg.db report 2026-0001 --lang ''
c klartext scan --rule r
c klartext help sc
c klartext --j
B
test_expect_success 'bash: complete -p names the function; commands, verbs, options, IDs, values, files' '
    bash --norc --noprofile bash-drive "$COMP/klartext.bash" >out 2>&1; cat out &&
    sed -n 1p out | grep_q "^complete -F _klartext klartext" &&
    sed -n 2p out | grep_q "^agent assess audit db demo exposure help incident init keys log notify org purge report scan serve status subjects verify version $" &&
    [ "$(sed -n 3p out)" = "incident " ] &&
    [ "$(sed -n 4p out)" = "event list new publish show update " ] &&
    sed -n 5p out | grep_q "all --db --help --ids --json --utc" &&
    [ "$(sed -n 6p out)" = "2026-0001 2026-0002 " ] && [ "$(sed -n 7p out)" = "2026-0001 2026-0002 " ] &&
    [ "$(sed -n 8p out)" = "2026-0001 2026-0002 " ] && [ "$(sed -n 9p out)" = "de en " ] &&
    sed -n 10p out | grep_q " rule.conf " && [ "$(sed -n 11p out)" = "scan " ] &&
    [ "$(sed -n 12p out)" = "--json " ]
'
test_expect_success 'bash: no register, no IDs and no error' '
    bash --norc --noprofile -c ". \"$COMP/klartext.bash\"; COMP_WORDS=(klartext --db none.db report \"\"); COMP_CWORD=4;
        _klartext; echo \"[\${COMPREPLY[*]}]\"" >out 2>err && [ "$(cat out)" = "[]" ] && [ ! -s err ] && [ ! -e none.db ]
'
test_expect_success 'bash with Debian'"'"'s bash-completion loaded (_init_completion, _filedir): the same answers' '
    BC=/usr/share/bash-completion/bash_completion; [ -f $BC ] || { echo "bash-completion is not installed"; exit 1; }
    bash --norc --noprofile -c ". $BC; . bash-drive \"$COMP/klartext.bash\"" >out2 2>&1; cat out2 &&
    [ "$(sed -n 4p out2)" = "event list new publish show update " ] && [ "$(sed -n 7p out2)" = "2026-0001 2026-0002 " ] &&
    [ "$(sed -n 9p out2)" = "de en " ] && sed -n 10p out2 | grep_q " rule.conf " && sed -n 10p out2 | not_grep_q access.log
'
cat >zsh-drive <<'Z'
fpath=($1 $fpath)
autoload -Uz compinit && compinit -u -d $PWD/.zcompdump
print -r -- "registered: $_comps[klartext]"
compadd() { if [[ $1 == -a ]]; then print -l -- ${(P)2}; else [[ $1 == -- ]] && shift; print -l -- "$@"; fi }
_describe() { print -l -- ${(P)2%%:*}; }
_files() { print -r -- "<files $*>"; }
c() { words=("$@"); CURRENT=$#words; print -r -- "$(_klartext | sort | tr '\n' ' ')"; }
c klartext ''
c klartext incident ''
c klartext --db reg.db report ''
c klartext --db reg.db report 2026-0001 --lang ''
c klartext notify 2026-0001 --out ''
c klartext scan --rule ''
c klartext incident list --
Z
test_expect_success 'zsh: compinit registers _klartext; commands, verbs, IDs, values, files' '
    command -v zsh >/dev/null || { echo "zsh is not installed (./run deps test)"; exit 1; }
    zsh -f zsh-drive "$COMP" >out 2>&1; cat out &&
    [ "$(sed -n 1p out)" = "registered: _klartext" ] &&
    sed -n 2p out | grep_q "^agent assess audit db demo exposure help incident init keys log notify org purge report scan serve status subjects verify version $" &&
    [ "$(sed -n 3p out)" = "event list new publish show update " ] &&
    [ "$(sed -n 4p out)" = "2026-0001 2026-0002 " ] && [ "$(sed -n 5p out)" = "de en " ] &&
    [ "$(sed -n 6p out)" = "<files -/> " ] && [ "$(sed -n 7p out)" = "<files > " ] &&
    sed -n 8p out | grep_q "all --db --help --ids --json --utc"
'
test_done
