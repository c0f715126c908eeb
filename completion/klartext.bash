# bash completion for klartext                                  -*- shell-script -*-
# Commands, sub-commands and options come from the binary's own help (`klartext help`,
# `klartext COMMAND [VERB] --help`), so they never go stale; incident IDs from the register
# (`klartext incident list --ids --all`, with the --db given on the line); files otherwise.
# Installed as $(datadir)/bash-completion/completions/klartext (docs/install.md).

# the help text of "$@" (no register is opened for --help)
_klartext_help()
{
    "$_klartext_bin" "$@" --help 2>/dev/null
}

# sub-commands of a grouped command: the verb table of its help, else the usage's alternatives
_klartext_verbs()
{
    local h
    h=$(_klartext_help "$1")
    if grep -q "SUBCOMMAND --help" <<<"$h"; then
        sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' <<<"$h"
    else
        case $1 in
        agent) echo "add list remove" ;;
        db) echo "copy" ;;
        keys) echo "portal" ;;
        org) echo "show set" ;;
        subjects) echo "import list show" ;;
        esac
    fi
}

_klartext()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi
    local _klartext_bin=${words[0]} db="" cmd="" verb="" npos=0 i w
    # the command, its verb, the --db given, how many positional arguments precede cur
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
        --db | --actor) ((i++)); [ "$w" = --db ] && db=${words[i]}; continue ;;
        --db=*) db=${w#--db=}; continue ;;
        -*) continue ;;
        esac
        if [ -z "$cmd" ]; then
            cmd=$w
        elif [ -z "$verb" ] && [ -n "$(_klartext_verbs "$cmd")" ]; then
            verb=$w
        else
            ((npos++))
        fi
    done
    local ids="$_klartext_bin ${db:+--db $db} incident list --ids --all"
    if [ -z "$cmd" ]; then
        case $prev in --db) _filedir db; return ;; --actor) return ;; esac
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--db --json --utc --actor --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_klartext_help | sed -n 's/^  \([a-z]\+\)  .*/\1/p')" -- "$cur"))
        fi
        return
    fi
    if [ "$cmd" = help ]; then
        COMPREPLY=($(compgen -W "$(_klartext_help | sed -n 's/^  \([a-z]\+\)  .*/\1/p')" -- "$cur"))
        return
    fi
    local verbs
    verbs=$(_klartext_verbs "$cmd")
    if [ -n "$verbs" ] && [ -z "$verb" ] && [[ $cur != -* ]]; then
        COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        return
    fi
    local help
    help=$(_klartext_help "$cmd" $verb)
    # the value of an option: its argument's name says what it is
    local arg
    arg=$(sed -n "s/^  $prev \([^ ]*\) .*/\1/p" <<<"$help" | head -n 1)
    if [[ $prev == --* ]] && [ -n "$arg" ]; then
        case $arg in
        ID) COMPREPLY=($(compgen -W "$($ids 2>/dev/null)" -- "$cur")) ;;
        DIR) _klartext_files -d ;;
        *FILE* | PEM | KEY | PATH) _klartext_files ;;
        *"|"*) COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur")) ;;
        esac
        return
    fi
    case $prev in --db) _klartext_files; return ;; --actor) return ;; esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p' <<<"$help") --db --json --utc --actor --help" -- "$cur"))
        return
    fi
    # positional: the incident ID where the usage names one first, else files
    if [ "$npos" = 0 ] && grep -q "^usage: klartext $cmd ${verb:+$verb }\[\?ID" <<<"$help"; then
        COMPREPLY=($(compgen -W "$($ids 2>/dev/null)" -- "$cur"))
        return
    fi
    _klartext_files
}

# file (or, with -d, directory) names, with bash-completion's _filedir when it is there
_klartext_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir "$@"
    else
        COMPREPLY=($(compgen ${1:--f} -- "$cur"))
    fi
}

complete -F _klartext klartext
