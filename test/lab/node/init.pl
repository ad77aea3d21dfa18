#!/usr/bin/perl
# PID 1 of a lab node: reaps orphans and is the node's power switch.
# While running it holds an exclusive flock on POWER_DIR/NODE.on: the fence agent knows the node is
# off once it can take that lock. Power off by poison pill: POWER_DIR/NODE.pill makes it SIGKILL
# every process of the node's pid namespace, wait for all of them and exit (mounts vanish with it).
use strict; use warnings; use POSIX ":sys_wait_h"; use Fcntl ":flock";
my ($node, $dir) = @ARGV;
$0 = "hanfs-lab-init";
die "init.pl: not PID 1 of a pid namespace\n" unless $$ == 1;   # kill(-1) below must stay inside it
my $pill = "$dir/$node.pill";
unlink $pill;
open(my $on, ">", "$dir/$node.on") or die "$dir/$node.on: $!";
flock($on, LOCK_EX) or die "flock: $!";
$SIG{TERM} = sub { exit 0 };
while (1) {
    1 while waitpid(-1, WNOHANG) > 0;
    if (-e $pill) {
        kill "KILL", -1;
        1 while wait() != -1;
        unlink $pill;
        exit 0;
    }
    select(undef, undef, undef, 0.05);
}
