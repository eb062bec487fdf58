#!/usr/bin/env bash
# Records which process sends which signal to which (the kernel's signal_generate tracepoint), so that a test server that
# dies without a word in its log (SIGKILL leaves none) can be traced to its sender after a failed CI run.
# Usage: scripts/ci/signal-witness.sh start   - mount tracefs if needed and start recording (needs root; a no-op otherwise)
#        scripts/ci/signal-witness.sh report  - print the signals that reached .NET processes (servers, agents, test hosts)
#        scripts/ci/signal-witness.sh stop    - stop recording and free the buffer
set -uo pipefail

tracing=/sys/kernel/tracing
event=$tracing/events/signal/signal_generate

available() { [[ -d $event ]] || { mount -t tracefs nodev "$tracing" 2>/dev/null && [[ -d $event ]]; }; }

case "${1:-}" in
  start)
    available || { echo "signal witness: no tracefs here, not recording"; exit 0; }
    echo 0 >"$tracing/tracing_on"
    echo >"$tracing/trace"
    echo 32768 >"$tracing/buffer_size_kb"
    echo 1 >"$tracing/options/record-tgid"
    # Real-time signals are the .NET runtime's own thread suspension; CHLD, URG and WINCH are routine.
    echo 'sig < 32 && sig != 17 && sig != 23 && sig != 28' >"$event/filter"
    echo 1 >"$event/enable"
    echo 1 >"$tracing/tracing_on"
    ;;
  report)
    # The kernel's own word on crashes and memory kills outside a pod's cgroup (tests OOM-kill pods on purpose).
    dmesg 2>/dev/null | grep -E 'segfault|traps:|general protection|Killed process|Out of memory' | grep -v 'Memory cgroup out of memory' | tail -10
    [[ -f $tracing/trace ]] && [[ $(cat "$event/enable" 2>/dev/null) == 1 ]] || exit 0
    # A line: "<sender thread>-<tid> (<tgid>) [cpu] flags time: signal_generate: sig=9 errno=0 code=0 comm=<target> pid=<target pid> grp=1 res=0"
    # Shown: every signal but the test hosts' routine SIGTERMs that reached a .NET process (servers, agents, test hosts;
    # a thread's own name when it has one). A SIGKILL sent to the wrong pid lands on whatever holds it now.
    targets='comm=(dotnet|\.NET|cluster-dns|proxy-epoll|ingress-http1)'
    echo "signal witness: $(grep -cv '^#' "$tracing/trace") signals recorded; all but SIGTERM that reached .NET processes (time sender (its pid) -> signal, target):"
    grep -v '^#' "$tracing/trace" | grep -E ' res=0$' | grep -E "$targets" | grep -v ' sig=15 ' |
      sed -E 's/^ *(.*)-[0-9]+ +\( *([0-9-]+)\).* ([0-9.]+): signal_generate: sig=([0-9]+) errno=[0-9]+ code=(-?[0-9]+) comm=(.*) pid=([0-9]+) grp=.*/  \3 \1 (\2) -> sig \4 code \5 to \6 (\7)/' | tail -40
    ;;
  stop)
    [[ -d $event ]] || exit 0
    echo 0 >"$event/enable"
    echo 0 >"$tracing/tracing_on"
    echo 1408 >"$tracing/buffer_size_kb"
    ;;
  *)
    echo "usage: $0 start|report|stop" >&2
    exit 2
    ;;
esac
