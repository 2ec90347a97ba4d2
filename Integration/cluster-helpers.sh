# Integration/cluster-helpers.sh — shared by run-cluster-tests.sh and run-cluster-bench.sh
# (sourced, not run). Everything goes through Integration/cluster and Integration/machine.

CLUSTER=Integration/cluster
MACHINE=Integration/machine
export FLEET_CLUSTER_DIR=${FLEET_CLUSTER_DIR:-/tmp/fleet-cluster}
export FLEET_CLUSTER_PREFIX=${FLEET_CLUSTER_PREFIX:-fleet}
export FLEET_CLUSTER_SUBNET=${FLEET_CLUSTER_SUBNET:-10.213.77}
export FLEET_MACHINES_DIR=$FLEET_CLUSTER_DIR/machines

log() { printf '   %s\n' "$*" >&2; }
fail() { echo "FAIL: $*" >&2; return 1; }

fctl() { "$CLUSTER" fleetctl "$@"; }
machine_count() { cat "$FLEET_CLUSTER_DIR/count"; }
name_of() { echo "$FLEET_CLUSTER_PREFIX-$1"; }
in_machine() { local i=$1; shift; "$MACHINE" exec "$(name_of "$i")" "$@"; }
machine_root() { echo "$FLEET_MACHINES_DIR/$(name_of "$1")/root"; }
machine_id() { cat "$(machine_root "$1")/etc/machine-id"; }
machine_ip() { echo "$FLEET_CLUSTER_SUBNET.$((10 + $1))"; }
machine_up() { "$MACHINE" pid "$(name_of "$1")" >/dev/null 2>&1; }

# The index (1-based) of the machine with this ID (or ID prefix); empty when none.
index_of() {
    local id=$1 i
    for i in $(seq "$(machine_count)"); do
        [[ $(machine_id "$i") == "$id"* ]] && { echo "$i"; return 0; }
    done
    return 0
}

# The index of the machine a unit is scheduled on, from list-units; empty when none.
machine_of() {
    local id
    id=$(fctl list-units --no-legend --full --fields=unit,machine 2>/dev/null | awk -v u="$1" '$1 == u {print $2}' | cut -d/ -f1)
    [[ -n $id && $id != - ]] && index_of "$id"
    return 0
}

# Every machine running the unit in systemd (ActiveState=active), as indexes.
active_machines() {
    local unit=$1 i out=()
    for i in $(seq "$(machine_count)"); do
        machine_up "$i" || continue
        [[ $(in_machine "$i" systemctl is-active "$unit" 2>/dev/null) == active ]] && out+=("$i")
    done
    echo "${out[*]:-}"
}

unit_property() { in_machine "$1" systemctl show -p "$3" --value "$2"; }

# Polls a command until it succeeds; fails with the description after the timeout (seconds).
eventually() {
    local timeout=$1 what=$2; shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { fail "not within ${timeout}s: $what"; return 1; }
        sleep 0.3
    done
}

is_active_on() { [[ " $(active_machines "$2") " == *" $1 "* ]]; }
active_on_exactly() { [[ $(active_machines "$1") == "$2" ]]; }
active_count_is() { local a; a=$(active_machines "$1"); [[ $(wc -w <<<"$a") -eq $2 ]]; }
scheduled_on() { [[ $(machine_of "$2") == "$1" ]]; }
leader_id() {
    local url; url=$(cat "$FLEET_CLUSTER_DIR/etcd/url")
    ETCDCTL_API=3 etcdctl --endpoints "$url" get --print-value-only /_coreos.com/fleet/engine/leader 2>/dev/null |
        python3 -c 'import json,sys; d=sys.stdin.read().strip(); print(json.loads(d)["machineID"] if d else "")'
}
active_somewhere() { [[ -n $(active_machines "$1") ]]; }
unit_file_absent() { ! in_machine "$1" test -e "/run/fleet/units/$2"; }
# The unit is active on machine I and systemd's copy of its file contains TEXT.
runs_contents() { in_machine "$1" systemctl cat "$2" | grep -q "$3" && [[ $(unit_property "$1" "$2" ActiveState) == active ]]; }
# The unit is active on machine I under another invocation than INVOCATION.
restarted_since() { [[ $(unit_property "$1" "$2" InvocationID) != "$3" && $(unit_property "$1" "$2" ActiveState) == active ]]; }
# Machine I has N active units matching the patterns.
active_count_on_is() {
    local i=$1 n=$2; shift 2
    [[ $(in_machine "$i" systemctl list-units --no-legend --state=active "$@" | wc -l) -eq $n ]]
}
listed_with_metadata() { fctl list-machines --no-legend --full | grep "$1" | grep -q "$2"; }
leader_other_than() { local l; l=$(leader_id); [[ -n $l && $l != "$1" ]]; }
active_in_list_units_at_least() { [[ $(fctl list-units --no-legend --fields=active 2>/dev/null | grep -c '^active$') -ge $1 ]]; }
registered_count_is() { [[ $(fctl list-machines --no-legend 2>/dev/null | grep -c .) -eq $1 ]]; }

# Writes a unit file under $UNITS and prints its path. Body lines come from the arguments.
export UNITS=${UNITS:-$(mktemp -d /tmp/fleet-cluster-units.XXXXXX)}
unit_file() {
    local name=$1; shift
    printf '%s\n' "$@" >"$UNITS/$name"
    echo "$UNITS/$name"
}
# A long-running service that logs a line a second, plus extra [X-Fleet] lines.
service_file() {
    local name=$1; shift
    local xfleet=()
    [[ $# -gt 0 ]] && xfleet=("" "[X-Fleet]" "$@")
    unit_file "$name" "[Unit]" "Description=$name" "" "[Service]" \
        "ExecStart=/bin/sh -c 'while true; do echo tick from \$(hostname); sleep 1; done'" "${xfleet[@]}"
}

# Removes every unit from the cluster and waits until no machine runs any of them.
destroy_all() {
    local units
    units=$(fctl list-unit-files --no-legend --fields=unit 2>/dev/null || true)
    [[ -z $units ]] && return 0
    # shellcheck disable=SC2086
    fctl destroy $units >/dev/null
    local deadline=$((SECONDS + 30)) i busy
    while ((SECONDS < deadline)); do
        busy=0
        for i in $(seq "$(machine_count)"); do
            machine_up "$i" || continue
            in_machine "$i" sh -c 'ls /run/fleet/units 2>/dev/null | grep -q .' && busy=1
        done
        ((busy == 0)) && return 0
        sleep 0.3
    done
    fail "units still loaded 30 s after destroy"
}

# After a failed scenario: powers on machines it left off, reconnects partitioned ones, starts
# etcd and fleetd where they were stopped, so one failure does not fail the scenarios after it.
restore_cluster() {
    local i n; n=$(machine_count)
    curl -fsS "$(cat "$FLEET_CLUSTER_DIR/etcd/url")/health" >/dev/null 2>&1 || "$CLUSTER" etcd start >/dev/null
    for i in $(seq "$n"); do
        if machine_up "$i"; then
            "$CLUSTER" heal "$i" >/dev/null
            in_machine "$i" systemctl start fleet.socket fleet.service
        else
            "$CLUSTER" boot "$i" >/dev/null
        fi
    done
    eventually 60 "all $n machines registered again" registered_count_is "$n"
}

# Sets one fleet.conf option on machine I and restarts its fleetd (units keep running).
set_fleet_option() {
    local i=$1 key=$2 value=$3
    local conf; conf=$(machine_root "$i")/etc/fleet/fleet.conf
    sed -i "/^$key=/d" "$conf"
    echo "$key=$value" >>"$conf"
    in_machine "$i" systemctl restart fleet.service
}

# Brings up the 3 machines a suite or benchmark runs on, and takes them down when the script
# exits, also on failure or ^C (FLEET_CLUSTER_KEEP=1 leaves them up).
own_cluster() {
    [[ ! -e $FLEET_CLUSTER_DIR/count ]] || { echo "a cluster is already up ($FLEET_CLUSTER_DIR): Integration/cluster down" >&2; exit 1; }
    tear_down_on_exit
    "$CLUSTER" up 3
}

tear_down_on_exit() {
    trap tear_down EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

tear_down() {
    local status=$?
    trap - EXIT INT TERM
    [[ -n ${FLEET_CLUSTER_KEEP:-} ]] || "$CLUSTER" down >/dev/null 2>&1 || true
    rm -rf "$UNITS"
    exit "$status"
}
