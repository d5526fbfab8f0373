#!/usr/bin/env bash
# Starts and stops the real one-node cluster that provision.sh prepared. Needs root, as CI has.
#
#   cluster.sh start [--owner PID]   start it (after sweeping what a crashed run left); prints KEY=value lines:
#                                    KUBECONFIG (admin), SERVER, GATEWAY_CLASS, LOG_DIR (also in $run/info)
#   cluster.sh stop                  stop it and remove everything it made on the host; safe to repeat
#   cluster.sh status                exit 0 while a cluster runs
#   cluster.sh knative               on the running cluster, install Knative Serving 1.15 (../knative/provision.sh
#                                    built it) and wait until its controller, webhook and autoscaler are Ready;
#                                    safe to repeat. Only for the tests that need it: the start stays quick.
#
# One cluster per machine: kube-proxy's iptables chains and the bridge are the host's. A start waits while another
# owner's cluster runs, and sweeps one whose owner died. A watchdog stops the cluster when the owner (by default the
# caller) dies without stopping it, e.g. on SIGKILL.
#
# Layout (all removed by stop): $run (sockets, config, PKI, logs, pids), $lib (containerd's and the kubelet's
# roots, etcd's data, the CNI IPAM), the bridge, the KUBE-* and CNI-* iptables chains, the kubepods cgroups, and the
# sysctls set here restored to what they were. More host processes are one `spawn` line in start_processes, more
# pods one manifest in cluster_objects.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../kube/kube-build.sh
source "$here/../kube/kube-build.sh"
bin="$cache/bin"
eg_ver="$(awk '$1 == "require" && $2 == "github.com/envoyproxy/gateway" { print $3 }' "$here/envoy-gateway/go.mod")"
envoy_ver=1.40.0
cluster_cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/cluster-eg-${eg_ver}-envoy-${envoy_ver}"
kn_ver="$(awk '$1 == "require" && $2 == "knative.dev/serving" { print $3 }' "$here/../knative/go.mod")"
kn_cache="${XDG_CACHE_HOME:-$HOME/.cache}/shadowgate/testenv/knative-${kn_ver}"

run=/run/shadowgate-cluster
lib=/var/lib/shadowgate-cluster
node=shadowgate-node
bridge=shadowgate0
pod_cidr=10.244.0.0/24
node_ip=10.244.0.1
service_cidr=10.96.0.0/24
api_port=6443
gateway_class=shadowgate
sysctls=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.ipv4.conf.all.route_localnet)

log() { echo "testenv/cluster: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# --- stop -------------------------------------------------------------------------------------------------------

kill_pids() { # kill_pids <signal> <pid>...
  local signal=$1 pid
  shift
  for pid in "$@"; do kill "-$signal" "$pid" 2>/dev/null || true; done
}

# Processes still running under our cgroups (containers), our containerd's shims, and what the pid file names.
cluster_pids() {
  local pids=() pid name
  if [[ -f "$run/pids" ]]; then
    while read -r pid name; do
      # A pid may be reused after a crash: only what still runs our binary counts.
      [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"$name"* ]] && pids+=("$pid")
    done <"$run/pids"
  fi
  for pid in $(pgrep -f "containerd-shim.*-address $run/containerd.sock" || true); do pids+=("$pid"); done
  for pid in $(cat /sys/fs/cgroup/pids/kubepods/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/cgroup.procs \
    /sys/fs/cgroup/pids/kubepods/*/*/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/*/*/cgroup.procs 2>/dev/null || true); do
    pids+=("$pid")
  done
  echo "${pids[@]}"
}

stop_processes() {
  local pids deadline
  # Envoy Gateway stops the Envoys it runs; the kubelet and containerd stop nothing of theirs, so the cgroups follow.
  read -r -a pids <<<"$(cluster_pids)"
  ((${#pids[@]} == 0)) && return
  kill_pids TERM "${pids[@]}"
  deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)); do
    read -r -a pids <<<"$(cluster_pids)"
    ((${#pids[@]} == 0)) && return
    sleep 0.2
  done
  kill_pids KILL "${pids[@]}"
  deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)); do
    read -r -a pids <<<"$(cluster_pids)"
    ((${#pids[@]} == 0)) && return
    kill_pids KILL "${pids[@]}"
    sleep 0.2
  done
  log "still running after SIGKILL: ${pids[*]}"
}

remove_iptables() {
  local cmd table chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle raw; do
      # Rules of built-in chains that jump to ours, then our chains themselves.
      { "$cmd-save" -t "$table" 2>/dev/null || true; } | { grep -E '^-A [A-Z]+ .*-j (KUBE-|CNI-)' || true; } |
        sed 's/^-A /-D /' | while read -r rule; do eval "$cmd -w -t $table $rule" 2>/dev/null || true; done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | awk '/^:(KUBE-|CNI-)/ { print substr($1, 2) }'); do
        "$cmd" -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | awk '/^:(KUBE-|CNI-)/ { print substr($1, 2) }'); do
        "$cmd" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

remove_cgroups() {
  local dir
  for dir in /sys/fs/cgroup/*/kubepods; do
    # Deepest first: a cgroup with children cannot be removed.
    if [[ -d "$dir" ]]; then find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
}

stop_cluster() {
  # The watchdog, unless it is the one stopping the cluster.
  if [[ -f "$run/watchdog" && "$(cat "$run/watchdog")" != "$PPID" ]]; then kill "$(cat "$run/watchdog")" 2>/dev/null || true; fi
  stop_processes
  # Deepest first: the containers' rootfs and the netns under the state dir, the kubelet's volumes under its root.
  { findmnt -rn -o TARGET | grep -E "^($run|$lib)(/|$)" || true; } | sort -r | while read -r target; do
    umount -l "$target" 2>/dev/null || true
  done
  ip link delete "$bridge" 2>/dev/null || true
  remove_iptables
  remove_cgroups
  if [[ -f "$run/sysctls" ]]; then
    while read -r key value; do sysctl -qw "$key=$value" 2>/dev/null || true; done <"$run/sysctls"
  fi
  # Links the kubelet makes for log collectors; created by us when the directory was not there.
  if [[ -d /var/log/containers ]]; then
    find /var/log/containers -maxdepth 1 -lname "$lib/*" -delete 2>/dev/null || true
    if [[ -f "$run/made-var-log-containers" ]]; then rmdir /var/log/containers 2>/dev/null || true; fi
  fi
  # libcni's result cache (not configurable in containerd 1.6).
  rm -f /var/lib/cni/results/shadowgate-* 2>/dev/null || true
  if [[ -f "$run/made-var-lib-cni" ]]; then rm -rf /var/lib/cni; fi
  if [[ -f "$run/made-certs" ]]; then rmdir /certs 2>/dev/null || true; fi
  rm -rf "$lib" "$run"
}

# --- start ------------------------------------------------------------------------------------------------------

spawn() { # spawn <name> <command...>: in its own session, logs in $run/logs/<name>.log; <name> is in its command line
  local name=$1
  shift
  # Not holding the lock (fd 9) for as long as they run.
  setsid "$@" >>"$run/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo "$! $name" >>"$run/pids"
}

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 seconds=$2 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    # $seconds, not $2: after the shift $2 is the command's first argument.
    ((SECONDS < deadline)) || die "$what not within $seconds s; logs in $run/logs"
    sleep 0.2
  done
}

make_pki() {
  local pki=$run/pki
  mkdir -p "$pki"
  cert() { # cert <name> <subject> <extendedKeyUsage> [subjectAltName]
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$pki/$1.key" \
      -out "$pki/$1.crt" -subj "$2" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -addext basicConstraints=critical,CA:FALSE -addext "extendedKeyUsage=$3" ${4:+-addext "subjectAltName=$4"} 2>/dev/null
  }
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$pki/ca.key" \
    -out "$pki/ca.crt" -subj /CN=shadowgate-cluster-ca -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  cert apiserver /CN=kube-apiserver serverAuth \
    "IP:127.0.0.1,IP:$node_ip,IP:${service_cidr%.0/*}.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" &
  cert admin /O=system:masters/CN=shadowgate-admin clientAuth &
  # The apiserver's client identity towards the kubelet (logs, exec, port-forward), allowed by the kubelet's webhook.
  cert apiserver-kubelet-client /O=system:masters/CN=kube-apiserver-kubelet-client clientAuth &
  # Node authorization and NodeRestriction know the kubelet by this name and group.
  cert kubelet-client "/O=system:nodes/CN=system:node:$node" clientAuth &
  cert kubelet /CN=$node serverAuth "IP:$node_ip,IP:127.0.0.1,DNS:$node" &
  cert controller-manager /CN=system:kube-controller-manager clientAuth &
  cert scheduler /CN=system:kube-scheduler clientAuth &
  cert kube-proxy /CN=system:kube-proxy clientAuth &
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/service-account.key" &
  wait
  for user in admin kubelet-client controller-manager scheduler kube-proxy; do
    kubeconfig "$user" >"$run/$user.kubeconfig"
  done
}

kubeconfig() { # kubeconfig <cert name>
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: shadowgate
    cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$run/pki/ca.crt"}
users:
  - name: $1
    user: {client-certificate: "$run/pki/$1.crt", client-key: "$run/pki/$1.key"}
contexts:
  - name: $1
    context: {cluster: shadowgate, user: $1}
current-context: $1
EOF
}

write_configs() {
  mkdir -p "$run/cni" "$lib/cni-ipam" "$lib/pod-logs"
  cat >"$run/containerd.toml" <<EOF
version = 2
root = "$lib/containerd"
state = "$run/containerd"
[grpc]
  address = "$run/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  # runc cannot set oom_score_adj -998 for the sandbox where CAP_SYS_RESOURCE is missing from the bounding set.
  restrict_oom_score_adj = true
  # The pods' network namespaces under $run, so stop finds and unmounts them.
  netns_mounts_under_state_dir = true
  sandbox_image = "registry.k8s.io/pause:3.6"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$run/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = false
EOF
  # isDefaultGateway: a default route in each pod through the bridge, so pods reach Services' ClusterIPs (Knative's
  # controller, webhook and autoscaler reach the API server at 10.96.0.1); isGateway alone gives none.
  cat >"$run/cni/10-shadowgate.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "shadowgate-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "isDefaultGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$pod_cidr", "gateway": "$node_ip" }]],
        "dataDir": "$lib/cni-ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  cat >"$run/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This host has cgroup v1, which kubelet 1.35+ refuses unless told.
failCgroupV1: false
# containerd 1.6 lacks the RuntimeConfig RPC the kubelet would ask the driver with.
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$run/containerd.sock
address: 0.0.0.0
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
tlsCertFile: $run/pki/kubelet.crt
tlsPrivateKeyFile: $run/pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $run/pki/ca.crt}
authorization: {mode: Webhook}
podLogsDir: $lib/pod-logs
failSwapOn: false
# Never evict or collect images on a shared disk: the images are imported once per start.
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# Quick reaction to pod changes: the tests wait on them.
syncFrequency: 10s
nodeStatusUpdateFrequency: 2s
serializeImagePulls: false
EOF
  cat >"$run/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $run/kube-proxy.kubeconfig}
hostnameOverride: $node
clusterCIDR: $pod_cidr
bindAddress: 0.0.0.0
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# Leave the host's conntrack settings alone (they are not ours to change, and may be read-only here).
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  mkdir -p "$run/envoy-gateway"
  cat >"$run/envoy-gateway/config.yaml" <<EOF
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyGateway
gateway:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
logging:
  level: {default: warn}
# The Gateway API objects from the cluster's API server; each Gateway's Envoy as a process on this host.
provider:
  type: Custom
  custom:
    resource:
      type: Kubernetes
      kubernetes:
        leaderElection: {disable: true}
    infrastructure:
      type: Host
      host:
        # Where provision.sh put the PyPI Envoy, as func-e lays out its downloads.
        dataHome: $cluster_cache/envoy-gateway-data
        configHome: $run/envoy-gateway/config
        stateHome: $run/envoy-gateway/state
        runtimeDir: $run/envoy-gateway/runtime
EOF
}

# The GatewayClass the tests use, with the Envoy version Envoy Gateway should run (the one provision.sh installed).
create_cluster_objects() {
  create /api/v1/namespaces - <<<"{apiVersion: v1, kind: Namespace, metadata: {name: envoy-gateway-system}}"
  create /apis/gateway.envoyproxy.io/v1alpha1/namespaces/envoy-gateway-system/envoyproxies - <<EOF
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: {name: host-envoy, namespace: envoy-gateway-system}
spec:
  provider:
    type: Host
    host: {envoyVersion: "$envoy_ver"}
EOF
  create /apis/gateway.networking.k8s.io/v1/gatewayclasses - <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: $gateway_class}
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
  parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: host-envoy, namespace: envoy-gateway-system}
EOF
}

api() { # api <method> <path> [curl args...]: as the admin, no kubectl needed
  local method=$1 path=$2
  shift 2
  # Its own user agent: the API server pretty-prints JSON for curl.
  curl -sf -A testenv-cluster --cacert "$run/pki/ca.crt" --cert "$run/pki/admin.crt" --key "$run/pki/admin.key" -X "$method" \
    "https://127.0.0.1:$api_port$path" "$@"
}

create() { # create <collection path> <YAML file|->: one object; the API server reads YAML itself
  api POST "$1" -H 'Content-Type: application/yaml' --data-binary "@$2" -o /dev/null
}

# Not `api | grep -q`: grep's early exit would fail curl with SIGPIPE under pipefail.
has_condition() { [[ "$(api GET "$1")" == *"\"type\":\"$2\",\"status\":\"True\""* ]]; }
established() { has_condition "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$1" Established; }
node_ready() { has_condition "/api/v1/nodes/$node" Ready; }

install_crds() {
  local file name
  for file in "$cache"/crds/gateway-api-*.yaml "$cluster_cache"/crds/*.yaml; do
    create /apis/apiextensions.k8s.io/v1/customresourcedefinitions "$file"
  done
  for file in "$cache"/crds/gateway-api-*.yaml "$cluster_cache"/crds/*.yaml; do
    name="$(awk '$1 == "name:" { print $2; exit }' "$file")"
    wait_for "CRD $name Established" 30 established "$name"
  done
}

start_processes() {
  local etcd_url=http://127.0.0.1:23790
  spawn etcd "$bin/etcd" --name=shadowgate --data-dir="$lib/etcd" --listen-client-urls="$etcd_url" \
    --advertise-client-urls="$etcd_url" --listen-peer-urls=http://127.0.0.1:23800 \
    --initial-advertise-peer-urls=http://127.0.0.1:23800 --initial-cluster=shadowgate=http://127.0.0.1:23800 \
    --unsafe-no-fsync --log-level=warn
  spawn kube-apiserver "$bin/kube-apiserver" --bind-address=0.0.0.0 --advertise-address="$node_ip" \
    --secure-port="$api_port" --etcd-servers="$etcd_url" --service-cluster-ip-range="$service_cidr" \
    --tls-cert-file="$run/pki/apiserver.crt" --tls-private-key-file="$run/pki/apiserver.key" \
    --client-ca-file="$run/pki/ca.crt" --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$run/pki/service-account.key" \
    --service-account-signing-key-file="$run/pki/service-account.key" \
    --kubelet-certificate-authority="$run/pki/ca.crt" --kubelet-client-certificate="$run/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$run/pki/apiserver-kubelet-client.key" --kubelet-preferred-address-types=InternalIP
  spawn containerd /usr/bin/containerd --config "$run/containerd.toml"
  wait_for "kube-apiserver ready" 60 curl -sf --cacert "$run/pki/ca.crt" --cert "$run/pki/admin.crt" \
    --key "$run/pki/admin.key" "https://127.0.0.1:$api_port/readyz"
  spawn kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$run/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$run/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$run/controller-manager.kubeconfig" --leader-elect=false \
    --use-service-account-credentials --service-account-private-key-file="$run/pki/service-account.key" \
    --root-ca-file="$run/pki/ca.crt" --cluster-signing-cert-file="$run/pki/ca.crt" \
    --cluster-signing-key-file="$run/pki/ca.key" --bind-address=127.0.0.1 --secure-port=10257
  spawn kube-scheduler "$bin/kube-scheduler" --kubeconfig="$run/scheduler.kubeconfig" \
    --authentication-kubeconfig="$run/scheduler.kubeconfig" --authorization-kubeconfig="$run/scheduler.kubeconfig" \
    --leader-elect=false --bind-address=127.0.0.1 --secure-port=10259
  wait_for containerd 30 ctr --address "$run/containerd.sock" version
  ctr --address "$run/containerd.sock" -n k8s.io images import --no-unpack=false "$cluster_cache/images.tar" >/dev/null
  spawn kubelet "$bin/kubelet" --config="$run/kubelet.yaml" --kubeconfig="$run/kubelet-client.kubeconfig" \
    --hostname-override="$node" --node-ip="$node_ip" --root-dir="$lib/kubelet" --v=1
  spawn kube-proxy "$bin/kube-proxy" --config="$run/kube-proxy.yaml"
  # After the CRDs: Envoy Gateway watches only the kinds whose CRDs it finds at start.
  install_crds
  create_cluster_objects
  # One CA for its xDS server and the Envoys' client certificates. The server reads its own from /certs whenever the
  # Gateway API objects come from Kubernetes, so it runs in a mount namespace of its own where /certs is ours.
  "$cluster_cache/bin/envoy-gateway" certgen --local --config-home "$run/envoy-gateway/config" \
    >>"$run/logs/envoy-gateway.log" 2>&1
  # What its certgen job would store in Kubernetes: the Envoys' certificates (which Envoy Gateway puts into their
  # SDS config) and the OIDC HMAC key.
  local certs=$run/envoy-gateway/config/certs b64="base64 -w0"
  create /api/v1/namespaces/envoy-gateway-system/secrets - <<EOF
{apiVersion: v1, kind: Secret, type: kubernetes.io/tls, metadata: {name: envoy, namespace: envoy-gateway-system},
 data: {tls.crt: $($b64 "$certs/envoy/tls.crt"), tls.key: $($b64 "$certs/envoy/tls.key"), ca.crt: $($b64 "$certs/envoy/ca.crt")}}
EOF
  create /api/v1/namespaces/envoy-gateway-system/secrets - <<EOF
{apiVersion: v1, kind: Secret, metadata: {name: envoy-oidc-hmac, namespace: envoy-gateway-system},
 data: {hmac-secret: $($b64 "$certs/envoy-oidc-hmac/hmac-secret")}}
EOF
  if [[ ! -d /certs ]]; then
    mkdir /certs
    touch "$run/made-certs"
  fi
  KUBECONFIG="$run/admin.kubeconfig" spawn envoy-gateway unshare -m --propagation private \
    sh -c 'mount --bind "$0" /certs && exec "$@"' "$run/envoy-gateway/config/certs/envoy-gateway" \
    "$cluster_cache/bin/envoy-gateway" server --config-path="$run/envoy-gateway/config.yaml"
}

start_watchdog() { # stops the cluster once the owner is gone, unless a stop came first (the pid file is gone)
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -f "$2/owner" ]; do sleep 1; done; [ -f "$2/owner" ] && "$3" stop' \
    shadowgate-cluster-watchdog "$1" "$run" "$here/cluster.sh" >/dev/null 2>&1 </dev/null 9>&- &
  echo "$!" >"$run/watchdog"
}

start_cluster() {
  local owner=$1 started=$SECONDS key
  [[ "$(id -u)" == 0 ]] || die "needs root (containers, the bridge, iptables), as CI has"
  [[ -x "$bin/kubelet" && -f "$cluster_cache/images.tar" ]] || die "not provisioned: run testenv/cluster/provision.sh"
  mkdir -p "$run/logs" "$lib"
  echo "$owner" >"$run/owner"
  for key in "${sysctls[@]}"; do echo "$key $(sysctl -n "$key")" >>"$run/sysctls"; done
  [[ -d /var/lib/cni ]] || touch "$run/made-var-lib-cni"
  [[ -d /var/log/containers ]] || touch "$run/made-var-log-containers"
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  # The bridge before any pod, so the API server can advertise (and the kubelet listen on) its address.
  ip link add "$bridge" type bridge
  ip addr add "$node_ip/${pod_cidr#*/}" dev "$bridge"
  ip link set "$bridge" up
  make_pki
  write_configs
  start_processes
  start_watchdog "$owner"
  wait_for "node $node Ready" 90 node_ready
  log "cluster up in $((SECONDS - started))s"
  {
    echo "KUBECONFIG=$run/admin.kubeconfig"
    echo "SERVER=https://127.0.0.1:$api_port"
    echo "GATEWAY_CLASS=$gateway_class"
    echo "LOG_DIR=$run/logs"
  } >"$run/info"
  cat "$run/info"
}

# --- knative ----------------------------------------------------------------------------------------------------

# apply <collection path> <JSON>: creates the object; one that exists already is left as it is (a repeated install).
apply() {
  local code
  code="$(curl -s -o "$run/logs/knative-apply.out" -w '%{http_code}' -A testenv-cluster --cacert "$run/pki/ca.crt" \
    --cert "$run/pki/admin.crt" --key "$run/pki/admin.key" -X POST -H 'Content-Type: application/json' \
    --data-binary @- "https://127.0.0.1:$api_port$1" <<<"$2")"
  [[ "$code" == 2* || "$code" == 409 ]] || die "creating $1 failed ($code): $(cat "$run/logs/knative-apply.out")"
}

available() { has_condition "/apis/apps/v1/namespaces/knative-serving/deployments/$1" Available; }
has_ca_bundle() { [[ "$(api GET "/apis/admissionregistration.k8s.io/v1/$1")" == *'"caBundle":"'* ]]; }
# The webhook answers the API server: a dry-run Service gets through the defaulting and validation webhooks.
webhook_serves() {
  api POST '/apis/serving.knative.dev/v1/namespaces/knative-serving/services?dryRun=All' \
    -H 'Content-Type: application/json' -o /dev/null --data-binary \
    '{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"probe"},"spec":{"template":{"spec":{"containers":[{"image":"dev.local/probe"}]}}}}'
}

install_knative() {
  local started=$SECONDS phase path object name
  [[ -f "$kn_cache/images.tar" && -f "$kn_cache/manifests.tsv" ]] || die "Knative not provisioned: run testenv/knative/provision.sh"
  ctr --address "$run/containerd.sock" -n k8s.io images import --no-unpack=false "$kn_cache/images.tar" >/dev/null
  for phase in crds objects; do
    while IFS=$'\t' read -r _ path object; do apply "$path" "$object"; done < <(awk -F'\t' -v p="$phase" '$1 == p' "$kn_cache/manifests.tsv")
    if [[ "$phase" == crds ]]; then
      for name in $(awk -F'\t' '$2 ~ /customresourcedefinitions$/ { print $3 }' "$kn_cache/manifests.tsv" |
        grep -o '"metadata":{"name":"[^"]*"' | cut -d'"' -f6); do
        wait_for "CRD $name Established" 30 established "$name"
      done
    fi
  done
  for name in controller webhook autoscaler; do wait_for "knative-serving/$name Available" 180 available "$name"; done
  # After the webhook serves: with failurePolicy Fail, the configurations refuse every Knative object until then.
  while IFS=$'\t' read -r _ path object; do apply "$path" "$object"; done < <(awk -F'\t' '$1 == "webhooks"' "$kn_cache/manifests.tsv")
  # The webhook makes its own certificate and writes its CA into the configurations.
  wait_for "the webhook's CA in its configurations" 60 has_ca_bundle mutatingwebhookconfigurations/webhook.serving.knative.dev
  wait_for "the webhook's CA in its configurations" 60 has_ca_bundle validatingwebhookconfigurations/validation.webhook.serving.knative.dev
  wait_for "the Knative webhook serving the API server" 60 webhook_serves
  log "Knative Serving $kn_ver ready in $((SECONDS - started))s"
  echo "KNATIVE_VERSION=$kn_ver"
}

# --- main -------------------------------------------------------------------------------------------------------

owner_alive() { [[ -f "$run/owner" ]] && kill -0 "$(cat "$run/owner")" 2>/dev/null; }

case "${1:-}" in
start)
  owner=$PPID
  [[ "${2:-}" == --owner ]] && owner=$3
  mkdir -p "$(dirname "$run")"
  exec 9>"$run.lock"
  deadline=$((SECONDS + ${SHADOWGATE_CLUSTER_WAIT:-900}))
  flock 9
  while owner_alive; do
    ((SECONDS < deadline)) || die "another run (pid $(cat "$run/owner")) still uses the cluster"
    log "waiting for the cluster of pid $(cat "$run/owner") to stop"
    flock -u 9
    sleep 5
    flock 9
  done
  # A crashed run's leftovers (or a half start): gone before anything starts.
  stop_cluster
  # A start that fails half-way leaves nothing either.
  trap stop_cluster EXIT
  start_cluster "$owner"
  trap - EXIT
  ;;
stop)
  exec 9>"$run.lock"
  flock 9
  stop_cluster
  ;;
status) owner_alive ;;
knative)
  [[ -f "$run/info" ]] || die "no cluster runs: cluster.sh start first"
  exec 9>"$run.knative.lock"
  flock 9
  install_knative
  ;;
*)
  echo "usage: $0 start [--owner PID] | stop | status | knative" >&2
  exit 2
  ;;
esac
