#!/usr/bin/env bash
# The Kubernetes manifests in deploy/kubernetes, offline: every object against the Kubernetes
# OpenAPI schema (kubernetes-models from npm, installed by scripts/install-deps.sh; types,
# enums, required and unknown fields), the security settings README.md justifies (so that an
# edit cannot drop one unnoticed), the pieces that must agree (node names, HAProxy's server
# slots, the autoscaler's bound and metric, the drain timing), the seccomp profile's syscall
# names, and the ConfigMap's policy and pool config loaded by a real node on loopback.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_jail
K8S=$SRC/deploy/kubernetes
models=${SBX_K8S_MODELS:-/usr/local/lib/sandboxrt-test}
command -v node >/dev/null || skip "node is not installed (scripts/install-deps.sh installs nodejs)"
[ -f "$models/node_modules/kubernetes-models/package.json" ] ||
	skip "kubernetes-models is not in $models (scripts/install-deps.sh installs it from npm)"

"$PY" - "$K8S" >"$WORK/objects.json" <<'EOF_PY' || fleet_fail "the manifests are not YAML"
import glob, json, sys, yaml
objs = []
for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    objs += [d for d in yaml.safe_load_all(open(f)) if d]
json.dump(objs, sys.stdout)
EOF_PY
node "$FLEET_DIR/k8s_schema.js" "$models" <"$WORK/objects.json" >"$WORK/schema.out" 2>&1 ||
	fleet_fail "schema: $(cat "$WORK/schema.out")"

"$PY" - "$WORK/objects.json" "$SRC/deploy/haproxy/haproxy.cfg" "$K8S/seccomp/node.json" \
	>"$WORK/policy.out" 2>&1 <<'EOF_PY' || fleet_fail "$(cat "$WORK/policy.out")"
import ctypes, ctypes.util, json, re, sys
objs = json.load(open(sys.argv[1]))
by = {(o["kind"], o["metadata"]["name"]): o for o in objs}
def need(cond, what):
    if not cond:
        raise SystemExit(f"FAIL: {what}")

ns = by[("Namespace", "sandboxrt")]
need(ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted",
     "the namespace enforces the restricted Pod Security Standard")
for kind, name in [("StatefulSet", "sbx"), ("Deployment", "sbx-haproxy")]:
    pod = by[(kind, name)]["spec"]["template"]["spec"]
    sc = pod["securityContext"]
    need(pod.get("hostUsers") is False, f"{name}: hostUsers: false (a user namespace)")
    need(sc.get("runAsNonRoot") is True and sc.get("runAsUser", 0) != 0, f"{name}: not root")
    need(pod.get("automountServiceAccountToken") is False, f"{name}: no API token")
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        need(not pod.get(k), f"{name}: no {k}")
    need(all("hostPath" not in v for v in pod.get("volumes", [])), f"{name}: no hostPath")
    for c in pod["containers"]:
        csc = c["securityContext"]
        need(csc.get("allowPrivilegeEscalation") is False, f"{name}: no privilege escalation")
        need(csc.get("capabilities") == {"drop": ["ALL"]}, f"{name}: every capability dropped")
        need(csc.get("readOnlyRootFilesystem") is True, f"{name}: read-only root")
        need(not csc.get("privileged"), f"{name}: not privileged")
        need(c["resources"]["requests"].keys() <= c["resources"]["limits"].keys(), f"{name}: limits")

node = by[("StatefulSet", "sbx")]
pod = node["spec"]["template"]["spec"]
sc = pod["securityContext"]
need(sc["seccompProfile"] == {"type": "Localhost", "localhostProfile": "sandboxrt/node.json"},
     "nodes: the shipped seccomp profile")
need(sc["appArmorProfile"] == {"type": "Localhost", "localhostProfile": "sandboxrt-node"},
     "nodes: the shipped AppArmor profile")
c = pod["containers"][0]
need(c["resources"]["requests"] == c["resources"]["limits"], "nodes: Guaranteed QoS")
env = {e["name"]: e for e in c["env"]}
need(env["SANDBOXRT_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name",
     "nodes: the node name is the pod name")
need("secretKeyRef" in env["SANDBOXRT_API_KEY"]["valueFrom"], "nodes: the key from a Secret")
args = dict(a[2:].split("=", 1) for a in c["args"] if a.startswith("--") and "=" in a)
drain = int(args["drain-timeout"])
pause = c["lifecycle"]["preStop"]["sleep"]["seconds"]
# After the drain a node takes up to 4 s (SBX_SHUTDOWN_S) to cancel and remove what is left.
need(pod["terminationGracePeriodSeconds"] > pause + drain + 4,
     "nodes: the grace period outlasts the preStop pause, the drain and the removal")
# Behind HAProxy every connection comes from one address.
need(args.get("max-connections-per-ip") == args.get("max-connections", "1024"),
     "nodes: --max-connections-per-ip equals --max-connections (all come from HAProxy)")
need("/health" in " ".join(c["readinessProbe"]["exec"]["command"]), "nodes: ready on /health")
need("tcpSocket" in c["livenessProbe"], "nodes: alive while accepting (draining included)")
need(by[("Service", "sbx-nodes")]["spec"]["clusterIP"] == "None", "a headless Service")

# HAProxy's server names are the pod names, with a slot for every replica the HPA may make.
cfg = open(sys.argv[2]).read()
servers = re.findall(r"^\s+server (sbx-\d+) ", cfg, re.M)
hp = by[("Deployment", "sbx-haproxy")]["spec"]["template"]["spec"]["containers"][0]
slots = [e for e in hp["env"] if re.fullmatch(r"SBX_NODE_\d+", e["name"])]
hpa = by[("HorizontalPodAutoscaler", "sbx")]["spec"]
need(hpa["scaleTargetRef"]["name"] == node["metadata"]["name"], "the HPA scales the nodes")
need(len(slots) >= hpa["maxReplicas"] and len(servers) >= hpa["maxReplicas"],
     f"HAProxy knows {len(slots)} nodes, the HPA may make {hpa['maxReplicas']}")
for e in slots:
    i = e["name"].rsplit("_", 1)[1]
    need(e["value"].startswith(f"sbx-{i}.sbx-nodes.sandboxrt.svc."), f"slot {i}: {e['value']}")
    need(f"sbx-{i}" in servers, f"haproxy.cfg has no server sbx-{i}")
need(hpa["metrics"][0]["pods"]["metric"]["name"] == "sandboxrt_queue_depth", "HPA metric")

# The seccomp profile names only syscalls libseccomp knows (a typo would allow the call).
prof = json.load(open(sys.argv[3]))
need(prof["defaultAction"] == "SCMP_ACT_ALLOW", "seccomp: default allow, deny list")
lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
names = [n for s in prof["syscalls"] for n in s["names"]]
unknown = [n for n in names if lib.seccomp_syscall_resolve_name(n.encode()) == -1]
need(not unknown, f"seccomp: unknown syscalls {unknown}")
for n in ("mount", "unshare", "setns", "pivot_root", "clone", "clone3"):
    need(n not in names, f"seccomp: the jail needs {n}")
need({"bpf", "kexec_load", "init_module", "userfaultfd", "io_uring_setup"} <= set(names),
     "seccomp: the dangerous calls are denied")
print("ok")
EOF_PY

# The ConfigMap's policy and pool config, as a node loads them.
"$PY" - "$WORK/objects.json" "$WORK/etc" <<'EOF_PY' || fleet_fail "cannot unpack the ConfigMap"
import json, os, sys
cm = next(o for o in json.load(open(sys.argv[1])) if o["kind"] == "ConfigMap")
os.makedirs(sys.argv[2] + "/policies")
for key, text in cm["data"].items():
    sub = "policies/" if key.endswith(".yaml") else ""
    open(f"{sys.argv[2]}/{sub}{key}", "w").write(text)
EOF_PY
for f in "$WORK"/etc/policies/*.yaml; do
	"$SBX" policy check "$f" >/dev/null 2>"$WORK/policy-check.log" ||
		fleet_fail "the ConfigMap's $(basename "$f"): $(cat "$WORK/policy-check.log")"
done
SANDBOXRT_POLICY_DIR=$WORK/etc/policies start_node sbx-0 --pool-size 1 --pool-config "$WORK/etc/pool.json"
m=$(metric sbx-0 sandboxrt_queue_depth)
[ "$m" = 0 ] || fleet_fail "the node's /metrics has no sandboxrt_queue_depth for the HPA ($m)"
curl -s "http://127.0.0.1:${NODE_PORT[sbx-0]}/v1/policies" | grep -q '"eval"' ||
	fleet_fail "the node did not load the ConfigMap's policy"
echo PASS
