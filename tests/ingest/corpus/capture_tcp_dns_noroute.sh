#!/bin/bash
# Real output of dig/nslookup/host/kdig over UDP and TCP (UDP 53 dropped, TCP answers) and of the
# "No route to host" forms (a REJECT --reject-with icmp-host-prohibited; an unanswered ARP), session 7.
# Lab rules (docs/lab.md): two namespaces of our own (podnet-s7c-<pid>, podnet-s7s-<pid>), addresses only
# in 198.18.232.0/24, nothing in the root namespace touched, every probe bounded, dnsmasq
# stopped by PID and the namespaces removed on exit.
# Run as root: tests/ingest/corpus/capture_tcp_dns_noroute.sh OUT_DIR
# tests/ingest/lab_session7/ holds its output (dig 9.18.49, kdig 3.2.6, curl 7.88.1, BusyBox 1.35, netcat-openbsd
# 1.219, telnet 0.17), each behind the prompt `root@client:/# ` (the /dev/tcp line written back as typed).
set -u
OUT=${1:?usage: capture_tcp_dns_noroute.sh OUT_DIR}
C="podnet-s7c-$$"; S="podnet-s7s-$$"
mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; ip netns del "$C" 2>/dev/null; ip netns del "$S" 2>/dev/null; }
trap cleanup EXIT
ip netns add "$C" || exit 1
ip netns add "$S" || exit 1
XC="ip netns exec $C"; XS="ip netns exec $S"
$XC ip link set lo up; $XS ip link set lo up
$XC ip link add eth0 type veth peer name eth0 netns "$S"
$XC ip addr add 198.18.232.10/24 dev eth0; $XC ip link set eth0 up
$XS ip addr add 198.18.232.53/24 dev eth0; $XS ip link set eth0 up
# the server: dnsmasq answering one name, a REJECT on 8081
$XS dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=198.18.232.53 \
    --address=/web-s7.lab.test/198.18.232.80 --pid-file= --log-facility=- 2>/dev/null &
PIDS+=($!)
$XS iptables -A INPUT -p tcp --dport 8081 -j REJECT --reject-with icmp-host-prohibited
sleep 1
N=web-s7.lab.test; D=198.18.232.53
run() { local f=$1; shift; { echo "\$ $*"; LC_ALL=C timeout 20 $XC "$@" 2>&1; echo "\$"; } > "$OUT/$f.txt"; }
# both transports answering
run dig-udp-ok dig +time=2 +tries=1 $N @$D
run dig-tcp-ok dig +tcp +time=2 +tries=1 $N @$D
run dig-vc-ok dig +vc +time=2 +tries=1 $N @$D
run nslookup-vc-ok nslookup -vc $N $D
run host-T-ok host -T $N $D
run kdig-tcp-ok kdig +tcp +time=2 +retry=0 $N @$D
run kdig-udp-ok kdig +time=2 +retry=0 $N @$D
# UDP 53 dropped on its way into the server (inside the lab namespace): UDP times out, TCP answers
$XS iptables -A INPUT -p udp --dport 53 -j DROP
run dig-udp-timeout dig +time=2 +tries=1 $N @$D
run dig-tcp-answers dig +tcp +time=2 +tries=1 $N @$D
run nslookup-udp-timeout nslookup -timeout=2 -retry=1 $N $D
run nslookup-vc-answers nslookup -vc -timeout=2 $N $D
run host-udp-timeout host -W 2 -R 1 $N $D
run host-T-answers host -T -W 2 $N $D
run kdig-udp-timeout kdig +time=2 +retry=0 $N @$D
run kdig-tcp-answers kdig +tcp +time=2 +retry=0 $N @$D
# "No route to host": a REJECT --reject-with icmp-host-prohibited on 8081; the address answers ping
run ping-ok ping -c 2 -W 1 $D
run curl-reject curl -sS -m 5 http://$D:8081/
run curl-reject-v curl -v -m 5 http://$D:8081/
run nc-openbsd-reject nc -vz -w 3 $D 8081
run busybox-nc-reject busybox nc -w 3 $D 8081
run telnet-reject telnet $D 8081
run devtcp-reject bash -c "timeout 3 bash -c 'echo > /dev/tcp/$D/8081' && echo open"
# an address of the subnet nobody answers ARP for
A=198.18.232.99
run curl-arp curl -sS -m 10 http://$A:8080/
run nc-openbsd-arp nc -vz -w 10 $A 8080
run busybox-nc-arp busybox nc -w 10 $A 8080
run telnet-arp telnet $A 8080
run devtcp-arp bash -c "timeout 10 bash -c 'echo > /dev/tcp/$A/8080' && echo open"
{ dig -v; kdig -V; curl -V | head -1; busybox | head -1; dpkg -s netcat-openbsd telnet 2>/dev/null | grep -E '^(Package|Version)'; } > "$OUT/versions.txt" 2>&1
