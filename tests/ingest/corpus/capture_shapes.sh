#!/bin/bash
# Real output of ip route, route -n, netstat -rn, ifconfig, a lost ping and iptables rules, for the corpus samples
# whose commands are not shown (session 7; captured/*-no-command.yaml say how each was pasted).
# Lab rules (docs/lab.md): one namespace of our own (podnet-shapes-<pid>), addresses only in
# 198.18.220.0/22, nothing in the root namespace touched, the namespace removed on exit.
# Run as root: tests/ingest/corpus/capture_shapes.sh OUT_DIR
set -u
OUT=${1:?usage: capture_shapes.sh OUT_DIR}
NS="podnet-shapes-$$"
mkdir -p "$OUT"
ip netns add "$NS" || exit 1
trap 'ip netns del "$NS"' EXIT
X="ip netns exec $NS"
$X ip link set lo up
$X ip link add eth0 type veth peer name eth0-peer && $X ip link set eth0-peer up
$X ip addr add 198.18.220.5/24 dev eth0
$X ip link set eth0 up
$X ip link add flannel.1 type vxlan id 1 local 198.18.220.5 dev eth0 dstport 8472 nolearning
$X ip link set flannel.1 mtu 1450
$X ip addr add 198.18.221.0/32 dev flannel.1
$X ip link set flannel.1 up
$X ip link add cni0 type bridge
$X ip addr add 198.18.221.1/24 dev cni0
$X ip link set cni0 up
$X ip route add default via 198.18.220.1 dev eth0
$X ip route add 198.18.222.0/24 via 198.18.222.0 dev flannel.1 onlink
$X ip route add 198.18.223.0/24 via 198.18.223.0 dev flannel.1 onlink
# the vxlan device has no forwarding entries: the ping is lost inside the namespace
LC_ALL=C timeout 10 $X ping -c 3 -W 1 198.18.223.2 > "$OUT/ping.txt" 2>&1
LC_ALL=C $X ip route > "$OUT/ip-route.txt" 2>&1
LC_ALL=C $X ifconfig flannel.1 > "$OUT/ifconfig-flannel.txt" 2>&1
LC_ALL=C $X netstat -rn > "$OUT/netstat-rn.txt" 2>&1
LC_ALL=C $X route -n > "$OUT/route-n.txt" 2>&1
# kube-proxy-like nat rules for one DNS Service and calico-like filter rules, inside the namespace only
I="$X iptables"
$I -t nat -N KUBE-MARK-MASQ
$I -t nat -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
for ep in 198.18.221.9 198.18.222.9; do
  chain="KUBE-SEP-$(echo "$ep" | tr -d . | tail -c 9)"
  $I -t nat -N "$chain"
  for proto in tcp udp; do
    name=$([ "$proto" = tcp ] && echo dns-tcp || echo dns)
    $I -t nat -A "$chain" -s "$ep/32" -m comment --comment "kube-system/kube-dns:$name" -j KUBE-MARK-MASQ
    $I -t nat -A "$chain" -p "$proto" -m comment --comment "kube-system/kube-dns:$name" -m "$proto" -j DNAT --to-destination "$ep:53"
  done
done
$I -t filter -N cali-INPUT
$I -t filter -N cali-wl-to-host
$I -t filter -A cali-INPUT -m comment --comment "cali:ss8lEMQsXi-s6qYT" -j MARK --set-xmark 0x0/0xfff00000
$I -t filter -A cali-INPUT -i cali+ -m comment --comment "cali:nDRe73txrna-aZjG" -g cali-wl-to-host
$I -t filter -A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT
LC_ALL=C $I -t nat -L -v > "$OUT/iptables-nat-L-v.txt" 2>&1
LC_ALL=C $X iptables-save > "$OUT/iptables-save.txt" 2>&1
{ ifconfig --version; ping -V; ip -V; iptables -V; } > "$OUT/versions.txt" 2>&1
