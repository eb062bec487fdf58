namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// The perl programs the runtime writes into its state directory. Perl is in every Debian/Ubuntu base system (perl-base),
/// is single-threaded (so it may call setns for a mount namespace, which .NET cannot) and can multiplex two pipes, which a
/// POSIX shell cannot: one perl process per container replaces sh + two line stampers. The scripts load no module (POSIX
/// alone costs 9 ms of CPU per start) and call setsid, setns, prctl, mount and clock_gettime through syscall() with the
/// numbers of <see cref="SyscallNumbers"/>. Nor strict or warnings (1.3 ms of CPU per start, a third of perl's own): the
/// tests compile every script under both instead.
/// </summary>
internal static class ShimScripts
{
    /// <summary>
    /// The container shim, one per container, in its own session so it outlives the agent. argv: container dir, exit file.
    /// Reads &lt;dir&gt;/spec (NUL-separated: log path, max bytes, max files, cwd, stdin FIFO, tty (1/0), pod init pid, "setns setsid
    /// clock_gettime mount umount2" syscall numbers, cgroup.procs files, argc, argv..., mount count, (host path, container path,
    /// read-only 1/0, propagation private/rslave/rshared) per mount, env...). Forks the container process (into the pod's
    /// namespaces and its cgroups, in a process group of its own, after bind-mounting its volumes in the pod's mount
    /// namespace: no nsenter and mount helpers per start), prints "ok &lt;pid&gt;" or "err &lt;message&gt;" once it has
    /// exec'd, writes &lt;dir&gt;/pid ("shim-pid shim-start-time container-pid"), copies stdout/stderr to the log in the CRI
    /// format with rotation, forwards TERM/INT/HUP/QUIT, closes its stdin keeper on USR1 (stdinOnce), and at the end writes
    /// "&lt;exit code&gt; &lt;signal&gt; &lt;finished unix ns&gt;\n&lt;message&gt;" to the exit file (tmp + rename).
    /// With tty, the process gets a pseudo-terminal in a session of its own: the shim logs the terminal's output as stdout,
    /// copies the stdin FIFO into it, and applies &lt;dir&gt;/winsize on WINCH.
    /// </summary>
    public const string Shim = """
# Capstan container shim (see ShimScripts.Shim). No modules: POSIX alone would triple the start-up time.
my ($dir, $exitfile) = @ARGV;
open(my $sf, '<', "$dir/spec") or die "spec: $!"; binmode $sf; my $spec = do { local $/; <$sf> }; close $sf;
my @f = split /\0/, $spec, -1;
my ($log, $maxbytes, $maxfiles, $cwd, $stdin, $tty, $initpid, $sys, $cgprocs, $argc) = splice(@f, 0, 10);
my ($nr_setns, $nr_setsid, $nr_clock, $nr_mount, $nr_umount2) = split / /, $sys;
my @argv = splice(@f, 0, $argc); my $mountc = shift(@f) // 0; my @mounts = splice(@f, 0, 4 * $mountc); pop @f if @f && $f[-1] eq '';
my @env = @f;
pipe(my $rep_r, my $rep_w) or die;
my $p0 = fork(); die "fork: $!" unless defined $p0;
if ($p0) { close $rep_w; my $m = do { local $/; <$rep_r> }; print $m // "err shim exited"; exit 0; }
close $rep_r;
# The launcher (or the agent behind it) may be gone by the time the shim reports: no SIGPIPE for that.
$SIG{PIPE} = 'IGNORE';
if ($nr_setsid) { syscall($nr_setsid) } else { require POSIX; POSIX::setsid() }
open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
sub report { my $m = shift; syswrite($rep_w, $m); close $rep_w; }
my ($keeper, $fifo, $master, $slave);
if ($stdin ne '') { open($keeper, '+<', $stdin) or do { report("err stdin: $!"); exit 1 }; }
if ($tty) {
  # A pseudo-terminal by hand (no IO::Pty in perl-base): unlock (TIOCSPTLCK), get its number (TIOCGPTN), 80x24.
  sysopen($master, '/dev/ptmx', 2 | 0x100) or do { report("err ptmx: $!"); exit 1 };
  my $n = pack('i', 0); ioctl($master, 0x40045431, $n); ioctl($master, 0x80045430, $n) or do { report("err pty: $!"); exit 1 };
  $slave = '/dev/pts/' . unpack('i', $n); my $ws = pack('S4', 24, 80, 0, 0); ioctl($master, 0x5414, $ws);
  if ($stdin ne '') { sysopen($fifo, $stdin, 0 | 0x800) or do { report("err stdin: $!"); exit 1 }; }
}
pipe(my $out_r, my $out_w) or die; pipe(my $err_r, my $err_w) or die; pipe(my $st_r, my $st_w) or die;
my %fds;
if ($initpid) {
  for my $ns (qw(ipc uts mnt pid)) { open(my $h, '<', "/proc/$initpid/ns/$ns") or do { report("err pod namespaces: $!"); exit 1 }; $fds{$ns} = $h; }
  syscall($nr_setns, fileno($fds{pid}), 0x20000000) == 0 or do { report("err setns pid: $!"); exit 1 };
}
# mkdir -p; a directory made meanwhile (another container of the pod) is fine, any other failure keeps its errno.
sub mkdirs { my $p = ''; for (grep { length } split m{/}, $_[0]) { $p .= "/$_"; next if -d $p || mkdir $p; my $e = $!; next if -d $p; $! = $e; return 0; } return 1; }
my %propagation = (private => 0, rslave => 0x4000 | 0x80000, rshared => 0x4000 | 0x100000);
my $child = fork(); if (!defined $child) { report("err fork: $!"); exit 1 }
if ($child == 0) {
  close $out_r; close $err_r; close $st_r; close $rep_w;
  my $fail = sub { syswrite($st_w, "$_[0]: $!"); exit 127 };
  for my $p (split /\n/, $cgprocs) { open(my $c, '>', $p) or $fail->("cgroup $p"); syswrite($c, "0") or $fail->("cgroup $p"); close $c; }
  if ($initpid) { for my $ns (qw(ipc uts mnt)) { syscall($nr_setns, fileno($fds{$ns}), 0) == 0 or $fail->("setns $ns"); } }
  # The volumes, in the pod's mount namespace (shared by its containers). A missing mount point is made (a directory, or an
  # empty file for a file); one mounted already (a restarted container) is detached first: umount2 MNT_DETACH, EINVAL if
  # none. Then MS_BIND, the propagation (MS_REC | MS_SLAVE or MS_SHARED; the source of those is the volume's staging
  # path under the propagation directory, a peer of the host's), and MS_REMOUNT | MS_BIND | MS_RDONLY for read-only.
  while (@mounts) {
    my ($h, $t, $ro, $prop) = splice(@mounts, 0, 4);
    if (-d $h) { mkdirs($t) or $fail->("mounting volumes failed: mkdir $t"); }
    else { mkdirs($t =~ s{/[^/]*/*$}{}r) or $fail->("mounting volumes failed: mkdir $t"); -e $t or open(my $mf, '>', $t) or $fail->("mounting volumes failed: create $t"); }
    syscall($nr_umount2, $t, 2);
    syscall($nr_mount, $h, $t, 0, 4096, 0) == 0 or $fail->("mounting volumes failed: mount --bind $h $t");
    my $flags = $propagation{$prop} // $fail->("mounting volumes failed: propagation $prop");
    if ($flags) { syscall($nr_mount, 0, $t, 0, $flags, 0) == 0 or $fail->("mounting volumes failed: mount --make-$prop $t"); }
    if ($ro) { syscall($nr_mount, $h, $t, 0, 4096 | 32 | 1, 0) == 0 or $fail->("mounting volumes failed: remount $t read-only"); }
  }
  if ($tty) {
    close $master; close $fifo if $fifo; close $keeper if $keeper;
    syscall($nr_setsid) if $nr_setsid;
    open(my $t, '+<', $slave) or $fail->("open $slave");
    open(STDIN, '<&', $t) or $fail->("stdin"); open(STDOUT, '>&', $t) or $fail->("stdout"); open(STDERR, '>&', $t) or $fail->("stderr"); close $t;
  } else {
    setpgrp(0, 0);
    if ($stdin ne '') { open(STDIN, '<', $stdin) or $fail->("stdin"); close $keeper; } else { open(STDIN, '<', '/dev/null'); }
    open(STDOUT, '>&', $out_w) or $fail->("stdout"); open(STDERR, '>&', $err_w) or $fail->("stderr");
  }
  # As runc does, a missing working directory is created.
  mkdirs($cwd) unless -d $cwd;
  chdir($cwd) or $fail->("chdir $cwd");
  %ENV = (); for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v; }
  $SIG{$_} = 'DEFAULT' for keys %SIG;
  fcntl($st_w, 2, 1); # FD_CLOEXEC: EOF tells the shim exec succeeded
  exec { $argv[0] } @argv or $fail->("exec $argv[0]");
}
close $out_w; close $err_w; close $st_w;
my $why = do { local $/; <$st_r> } // ''; close $st_r;
sub now {
  if ($nr_clock) { my $ts = "\0" x 16; syscall($nr_clock, 0, $ts) == 0 and return unpack('q q', $ts); }
  return (time, 0);
}
sub finish {
  my ($code, $sig, $msg) = @_; my ($s, $n) = now();
  open(my $e, '>', "$exitfile.tmp") or exit 1; printf $e "%d %d %d%09d\n%s", $code, $sig, $s, $n, $msg; close $e; rename("$exitfile.tmp", $exitfile); exit 0;
}
if ($why ne '') { waitpid($child, 0); report("err $why"); finish(128, 0, $why); }
sub started { my $st = do { open(my $h, '<', "/proc/$_[0]/stat") or return 0; local $/; <$h> }; (split / /, $st =~ s/^.*\) //sr)[19] }
# Each pid with its start time: the agent signals a pid only while it still names the same process.
{ open(my $p, '>', "$dir/pid.tmp") or die; print $p "$$ ", started($$), " $child ", started($child), "\n"; close $p; rename("$dir/pid.tmp", "$dir/pid"); }
report("ok $child");
my $done = 0; my $status;
$SIG{CHLD} = sub { };
for my $s (qw(TERM INT HUP QUIT)) { $SIG{$s} = sub { kill $s, $child unless $done } }
$SIG{USR1} = sub { close $keeper if $keeper; undef $keeper };
# Attach resized the terminal: <dir>/winsize holds "rows cols".
$SIG{WINCH} = sub { if ($master && open(my $w, '<', "$dir/winsize")) { my ($r, $c) = split ' ', scalar <$w>; my $ws = pack('S4', $r, $c, 0, 0); ioctl($master, 0x5414, $ws); } };
my ($lf, $size); my $cached = -1; my $prefix = '';
sub openlog { open($lf, '>>', $log) or die "log: $!"; binmode $lf; $size = -s $lf // 0; }
openlog();
sub stamp { my @t = gmtime $_[0]; sprintf('%04d-%02d-%02dT%02d:%02d:%02d', $t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0]) }
sub rotate {
  close $lf; my ($s, $n) = now();
  my @t = gmtime $s;
  rename($log, sprintf('%s.%04d%02d%02d-%02d%02d%02d.%09d', $log, $t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0], $n));
  my @old = sort glob("$log.*"); unlink(splice(@old, 0, @old - ($maxfiles - 1))) if $maxfiles > 0 && @old > $maxfiles - 1;
  openlog();
}
sub emit {
  my ($stream, $tag, $text) = @_; my ($s, $n) = now();
  if ($s != $cached) { $cached = $s; $prefix = stamp($s); }
  my $line = sprintf('%s.%09dZ %s %s %s', $prefix, $n, $stream, $tag, $text) . "\n";
  rotate() if $size > 0 && $size + length($line) > $maxbytes;
  syswrite($lf, $line); $size += length $line;
}
my %buf = (stdout => '', stderr => ''); my %fh = (stdout => $tty ? $master : $out_r, stderr => $err_r); my $max = 16384;
sub drain {
  my ($name) = @_; my $h = $fh{$name}; my $n = sysread($h, my $chunk, 65536);
  if (!$n) { return 0 if !defined $n && $! == 4; return -1 }
  $buf{$name} .= $chunk;
  while (1) {
    my $i = index($buf{$name}, "\n");
    if ($i >= 0 && $i <= $max) { emit($name, 'F', substr($buf{$name}, 0, $i)); substr($buf{$name}, 0, $i + 1, ''); next; }
    if (length($buf{$name}) > $max) { emit($name, 'P', substr($buf{$name}, 0, $max)); substr($buf{$name}, 0, $max, ''); next; }
    last;
  }
  return 1;
}
my %open = $tty ? (stdout => 1) : (stdout => 1, stderr => 1);
close $err_r if $tty;
sub pump {
  # The attacher's input, from the FIFO into the terminal; at its end (stdinOnce) an EOF character.
  my $n = sysread($fifo, my $chunk, 65536);
  if (defined $n && $n == 0 && !$keeper) { syswrite($master, "\x04"); close $fifo; undef $fifo; return; }
  syswrite($master, $chunk) if $n;
}
while (1) {
  # When the main process ends, so does the container: what it left in its process group goes too.
  if (!$done) { my $r = waitpid($child, 1); if ($r == $child) { $status = $?; $done = 1; kill 'KILL', -$child; } }
  last if $done && !%open;
  my $rin = ''; vec($rin, fileno($fh{$_}), 1) = 1 for keys %open;
  vec($rin, fileno($fifo), 1) = 1 if $fifo && !$done;
  my $n = select(my $rout = $rin, undef, undef, $done ? 0.05 : 1);
  if ($n < 0) { next; }
  if ($n == 0) { last if $done; next; }
  pump() if $fifo && vec($rout, fileno($fifo), 1);
  for my $name (keys %open) { next unless vec($rout, fileno($fh{$name}), 1); delete $open{$name} if drain($name) < 0; }
}
for my $name (qw(stdout stderr)) { emit($name, 'P', $buf{$name}) if length $buf{$name}; }
close $lf;
my $sig = $status & 127;
finish($sig ? 128 + $sig : $status >> 8, $sig, '');
""";

    /// <summary>
    /// The pod init: unshares mount, UTS, IPC and PID namespaces itself (as <c>unshare -m -u -i -p</c> would, without that
    /// extra program per pod), forks PID 1 of the new PID namespace, which mounts a /proc of its own, sets the hostname and
    /// reaps orphans; prints "ok &lt;host pid of PID 1&gt;". argv: hostname, setsid, mount and unshare numbers, and optionally
    /// the runtime's propagation directory. Without it every mount is made private (MS_REC | MS_PRIVATE on /); with it every
    /// mount but that directory's subtree is (MS_PRIVATE on each mount point, the top one at each path), so the pod shares
    /// only that subtree with the host (mountPropagation volumes); a mount that cannot be made private aborts the pod
    /// rather than let the pod's /proc reach the host.
    /// </summary>
    public const string PodInit = """
# Capstan pod init (see ShimScripts.PodInit). argv: hostname, setsid, mount and unshare syscall numbers, propagation dir.
my ($host, $nr_setsid, $nr_mount, $nr_unshare, $shared) = @ARGV;
# CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID (the PID namespace is the next child's).
syscall($nr_unshare, 0x20000 | 0x4000000 | 0x8000000 | 0x20000000) == 0 or die "unshare: $!\n";
if (!defined $shared || $shared eq '') {
  my ($none, $root) = ("none", "/"); syscall($nr_mount, $none, $root, 0, 0x4000 | 0x40000, 0) == 0 or die "make-rprivate /: $!\n";
} else {
  open(my $mi, '<', '/proc/self/mountinfo') or die "mountinfo: $!\n";
  my @points = map { my $m = (split / /)[4]; $m =~ s/\\([0-7]{3})/chr(oct($1))/ge; $m } <$mi>; close $mi;
  for my $m (@points) {
    next if $m eq $shared || index($m, "$shared/") == 0;
    syscall($nr_mount, 0, $m, 0, 262144, 0) == 0 or die "make-private $m: $!\n";
  }
}
syscall($nr_setsid);
my $pid = fork(); die "fork: $!" unless defined $pid;
if ($pid) { print "ok $pid\n"; exit 0; }
open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
# MS_NOSUID | MS_NODEV | MS_NOEXEC: a /proc showing only this pod's processes.
my ($src, $dst, $fs) = ("proc", "/proc", "proc"); syscall($nr_mount, $src, $dst, $fs, 14, 0);
if (open(my $h, '>', '/proc/sys/kernel/hostname')) { print $h $host; close $h; }
$0 = 'capstan-pod';
$SIG{CHLD} = sub { };
while (1) { sleep 3600 if waitpid(-1, 0) == -1; }
""";

    /// <summary>
    /// Runs one exec command in a container's context. argv: pod init pid (0: none), "setns setsid prctl" numbers, cwd,
    /// cgroup.procs files, pty slave path (empty: none), command... The command gets SIGKILL when this helper dies
    /// (PR_SET_PDEATHSIG), so killing the helper kills the command even inside a PID namespace; the helper exits as its command did.
    /// </summary>
    public const string Exec = """
my ($initpid, $sys, $cwd, $cgprocs, $tty, @argv) = @ARGV;
my ($nr_setns, $nr_setsid, $nr_prctl) = split / /, $sys;
if ($tty ne '') { syscall($nr_setsid); open(my $t, '+<', $tty) or die "tty: $!\n"; open(STDIN, '<&', $t); open(STDOUT, '>&', $t); open(STDERR, '>&', $t); close $t; }
my %fds;
if ($initpid) {
  for my $ns (qw(ipc uts mnt pid)) { open(my $h, '<', "/proc/$initpid/ns/$ns") or die "pod namespaces: $!\n"; $fds{$ns} = $h; }
  syscall($nr_setns, fileno($fds{pid}), 0x20000000) == 0 or die "setns pid: $!\n";
}
my $child = fork(); die "fork: $!\n" unless defined $child;
if ($child == 0) {
  syscall($nr_prctl, 1, 9) if $nr_prctl;
  for my $p (split /\n/, $cgprocs) { if (open(my $c, '>', $p)) { syswrite($c, "0"); close $c; } }
  if ($initpid) { for my $ns (qw(ipc uts mnt)) { syscall($nr_setns, fileno($fds{$ns}), 0) == 0 or die "setns $ns: $!\n"; } }
  chdir($cwd) or die "chdir $cwd: $!\n";
  $SIG{$_} = 'DEFAULT' for keys %SIG;
  exec { $argv[0] } @argv or do { print STDERR "exec $argv[0]: $!\n"; exit 127 };
}
for my $s (qw(TERM INT HUP QUIT)) { $SIG{$s} = sub { kill $s, $child } }
my $r; do { $r = waitpid($child, 0) } until $r == $child || ($r == -1 && $! != 4);
my $st = $?;
if (my $sig = $st & 127) { $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP QUIT); kill $sig, $$; exit 128 + $sig; }
exit $st >> 8;
""";
}
