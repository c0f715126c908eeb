#!/usr/bin/env bash
# The register's files call each other in one direction only (docs/register.md, "Files"): the
# file-level call graph of src/register/, read from the built objects with nm, has no cycle;
# register.c (the handle) calls no other file of the register but the storage backend, and
# audit.c only the handle. And no object outside src/register/ calls the storage interface.
. "$(dirname "$0")/lib.sh"
B=${KLARTEXT_BUILD:-build-asan}; case $B in /*) ;; *) B=$SRC_DIR/$B ;; esac
OBJ=$B/src/register

# the objects of the sources there are (a build directory may hold objects of moved files)
objs() {  # objs DIR...
    local c
    for c in "$@"; do for c in "$SRC_DIR"/$c/*.c; do echo "$B/${c#$SRC_DIR/}" | sed "s/\.c\$/.o/"; done; done
}
# edges "caller callee" between the register's files, from defined (T/D/B/R) and undefined symbols
graph() {
    declare -A def
    local o f s
    for o in $(objs src/register); do
        f=$(basename "$o" .o)
        for s in $(nm --defined-only "$o" | awk '$2 ~ /^[TDBR]$/ {print $3}'); do def[$s]=$f; done
    done
    for o in $(objs src/register); do
        f=$(basename "$o" .o)
        for s in $(nm --undefined-only "$o" | awk '{print $2}'); do
            [ -n "${def[$s]:-}" ] && [ "${def[$s]}" != "$f" ] && echo "$f ${def[$s]}"
        done
    done | sort -u
}

test_expect_success 'the objects are there' '[ -f "$OBJ/register.o" ] && [ -f "$OBJ/audit.o" ] && [ -f "$OBJ/incident.o" ]'
graph >"$TRASH/edges"
test_expect_success 'the file-level call graph of src/register/ has no cycle' '
    cat "$TRASH/edges"; tsort "$TRASH/edges" >/dev/null 2>tsort.err; ! grep -q . tsort.err || { cat tsort.err; false; }
'
test_expect_success 'register.c calls nothing of the register but the storage interface (db.c); audit.c only register.c' '
    not_grep_q "^register [^d]" "$TRASH/edges" && ! grep "^audit " "$TRASH/edges" | grep -qv "^audit \(register\|db\|db_sqlite\)$"
'
test_expect_success 'nothing outside src/register/ calls the storage interface (db_*) or reg_db' '
    bad=""
    mods=$(cd "$SRC_DIR" && ls -d src/*/ | sed "s,/\$,," | grep -vx src/register)
    for o in $(objs $mods) "$B/src/main.o"; do
        if nm --undefined-only "$o" | awk "{print \$2}" | grep -qE "^(db_[a-z_]+|reg_db|sqlite3_[a-z0-9_]+)$"; then
            bad="$bad $o"
        fi
    done
    [ -z "$bad" ] || { echo "storage calls in:$bad"; false; }
'
test_done
