#!/usr/bin/env bash
# Integration/run-cluster-bench.sh — the multi-machine suite's benchmark mode: prints figures,
# asserts nothing. Brings up 3 machines (Integration/cluster, release fleetd) and measures:
#   - `fleetctl start` latency over 20 units: until the command returns, and until the unit is
#     active in systemd on its machine; baseline: `systemctl start` of the same unit file run
#     directly inside a machine (what fleet adds on top of systemd);
#   - 30 units started at once (`fleetctl start --no-block`) until all are active;
#   - failover after powering off the machine running a unit, with agent_ttl=5s and with the
#     default 30s (baseline: the TTL itself).
# Tears the cluster down afterwards (FLEET_CLUSTER_KEEP=1 keeps it). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
source Integration/cluster-helpers.sh
export FLEET_CLUSTER_AGENT_TTL=5s
TRIES=${FLEET_BENCH_TRIES:-20}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# p50 and p95 of the numbers on stdin (nearest rank).
percentiles() {
    sort -n | awk '{v[NR]=$1} END {
        p50=v[int((NR*50+99)/100)]; p95=v[int((NR*95+99)/100)]
        printf "p50 %d ms, p95 %d ms (n=%d)", p50, p95, NR }'
}
p50_of() { sort -n | awk '{v[NR]=$1} END {print v[int((NR*50+99)/100)]}'; }

wait_active() {  # unit machine-index
    until [[ $(in_machine "$2" systemctl is-active "$1" 2>/dev/null) == active ]]; do sleep 0.02; done
}

bench_start_latency() {
    echo "== fleetctl start latency ($TRIES units, one at a time)"
    local returned=() active=() k f t0 t1 m
    for k in $(seq "$TRIES"); do
        f=$(unit_file "lat$k.service" "[Service]" "ExecStart=/bin/sleep infinity")
        t0=$(now_ms)
        fctl start "$f" >/dev/null
        t1=$(now_ms)
        m=$(machine_of "lat$k.service")
        wait_active "lat$k.service" "$m"
        returned+=($((t1 - t0))); active+=($(( $(now_ms) - t0 )))
    done
    destroy_all
    # Baseline: the same file started by systemd directly in machine 2 (nsenter + systemctl).
    local base=()
    local dir; dir=$(machine_root 2)/etc/systemd/system
    mkdir -p "$dir"
    for k in $(seq "$TRIES"); do
        printf '[Service]\nExecStart=/bin/sleep infinity\n' >"$dir/base$k.service"
        t0=$(now_ms)
        in_machine 2 systemctl daemon-reload
        in_machine 2 systemctl start "base$k.service"
        wait_active "base$k.service" 2
        base+=($(( $(now_ms) - t0 )))
        in_machine 2 systemctl stop "base$k.service"
        rm -f "$dir/base$k.service"
    done
    in_machine 2 systemctl daemon-reload
    echo "fleetctl start returns:      $(printf '%s\n' "${returned[@]}" | percentiles)"
    echo "unit active on its machine:  $(printf '%s\n' "${active[@]}" | percentiles)"
    echo "baseline systemctl start:    $(printf '%s\n' "${base[@]}" | percentiles)"
    local a b
    a=$(printf '%s\n' "${active[@]}" | p50_of); b=$(printf '%s\n' "${base[@]}" | p50_of)
    echo "ratio fleet/systemd (p50 until active): $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')"
}

bench_burst() {
    echo "== 30 units started at once"
    local files=() k
    for k in $(seq 30); do files+=("$(unit_file "burst$k.service" "[Service]" "ExecStart=/bin/sleep infinity")"); done
    local t0; t0=$(now_ms)
    fctl start --no-block "${files[@]}" >/dev/null
    local returned; returned=$(( $(now_ms) - t0 ))
    until active_in_list_units_at_least 30; do sleep 0.05; done
    local all; all=$(( $(now_ms) - t0 ))
    echo "fleetctl start --no-block of 30 returns: $returned ms; all 30 active (list-units): $all ms"
    local placed; placed=$(fctl list-units --no-legend --fields=machine | sort | uniq -c | awk '{printf "%s%d", sep, $1; sep="/"}')
    echo "units per machine: $placed"
    destroy_all
}

bench_failover() {
    local ttl=$1
    echo "== failover after power-off, agent_ttl=${ttl}s"
    local f; f=$(service_file "fo$ttl.service" "MachineMetadata=machine=fleet-2" "MachineMetadata=machine=fleet-3")
    fctl start "$f" >/dev/null
    local m; m=$(machine_of "fo$ttl.service")
    wait_active "fo$ttl.service" "$m"
    local other=$((m == 2 ? 3 : 2))
    # Power-off a little after a renewal would be luck either way: measure from the kill.
    local t0; t0=$(now_ms)
    "$CLUSTER" kill "$m" >/dev/null
    wait_active "fo$ttl.service" "$other"
    local took=$(( $(now_ms) - t0 ))
    echo "unit active on fleet-$other after $took ms (TTL ${ttl}000 ms; ratio $(awk -v a="$took" -v t="$ttl" 'BEGIN {printf "%.2f", a / (t * 1000)}'))"
    "$CLUSTER" boot "$m" >/dev/null
    until registered_count_is 3; do sleep 0.2; done
    destroy_all
}

own_cluster >/dev/null
echo "cluster: 3 machines, $(nproc) cores, release fleetd"
bench_start_latency
bench_burst
bench_failover 5
for i in 1 2 3; do set_fleet_option "$i" agent_ttl 30s; done
until registered_count_is 3; do sleep 0.2; done
bench_failover 30
