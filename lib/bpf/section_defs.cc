// libbpf's section table (section_defs[] in tools/lib/bpf/libbpf.c, 7.3): SEC name -> program
// type, expected attach type, sleepable. The entries and their order are libbpf's (the first
// match wins, so order is part of the rule); flags other than SEC_SLEEPABLE do not matter here.
#include <array>
#include <utility>
#include <string_view>

#include "bpf/object.h"

namespace kfb::bpf {

namespace {

struct Entry {
  std::string_view pattern;      // "x+": x or x/...; "x/": any name with that prefix; else exact
  std::string_view prog_type;    // without BPF_PROG_TYPE_
  std::string_view attach_type;  // "" for 0
  bool sleepable;
};

constexpr Entry kSectionDefs[] = {
    {"socket", "SOCKET_FILTER", "", false},
    {"sk_reuseport/migrate", "SK_REUSEPORT", "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE", false},
    {"sk_reuseport", "SK_REUSEPORT", "BPF_SK_REUSEPORT_SELECT", false},
    {"kprobe+", "KPROBE", "", false},
    {"uprobe+", "KPROBE", "", false},
    {"uprobe.s+", "KPROBE", "", true},
    {"kretprobe+", "KPROBE", "", false},
    {"uretprobe+", "KPROBE", "", false},
    {"uretprobe.s+", "KPROBE", "", true},
    {"kprobe.multi+", "KPROBE", "BPF_TRACE_KPROBE_MULTI", false},
    {"kretprobe.multi+", "KPROBE", "BPF_TRACE_KPROBE_MULTI", false},
    {"kprobe.session+", "KPROBE", "BPF_TRACE_KPROBE_SESSION", false},
    {"uprobe.multi+", "KPROBE", "BPF_TRACE_UPROBE_MULTI", false},
    {"uretprobe.multi+", "KPROBE", "BPF_TRACE_UPROBE_MULTI", false},
    {"uprobe.session+", "KPROBE", "BPF_TRACE_UPROBE_SESSION", false},
    {"uprobe.multi.s+", "KPROBE", "BPF_TRACE_UPROBE_MULTI", true},
    {"uretprobe.multi.s+", "KPROBE", "BPF_TRACE_UPROBE_MULTI", true},
    {"uprobe.session.s+", "KPROBE", "BPF_TRACE_UPROBE_SESSION", true},
    {"ksyscall+", "KPROBE", "", false},
    {"kretsyscall+", "KPROBE", "", false},
    {"usdt+", "KPROBE", "", false},
    {"usdt.s+", "KPROBE", "", true},
    {"tc/ingress", "SCHED_CLS", "BPF_TCX_INGRESS", false},
    {"tc/egress", "SCHED_CLS", "BPF_TCX_EGRESS", false},
    {"tcx/ingress", "SCHED_CLS", "BPF_TCX_INGRESS", false},
    {"tcx/egress", "SCHED_CLS", "BPF_TCX_EGRESS", false},
    {"tc", "SCHED_CLS", "", false},
    {"classifier", "SCHED_CLS", "", false},
    {"action", "SCHED_ACT", "", false},
    {"netkit/primary", "SCHED_CLS", "BPF_NETKIT_PRIMARY", false},
    {"netkit/peer", "SCHED_CLS", "BPF_NETKIT_PEER", false},
    {"tracepoint+", "TRACEPOINT", "", false},
    {"tp+", "TRACEPOINT", "", false},
    {"tracepoint.s+", "TRACEPOINT", "", true},
    {"tp.s+", "TRACEPOINT", "", true},
    {"raw_tracepoint+", "RAW_TRACEPOINT", "", false},
    {"raw_tp+", "RAW_TRACEPOINT", "", false},
    {"raw_tracepoint.s+", "RAW_TRACEPOINT", "", true},
    {"raw_tp.s+", "RAW_TRACEPOINT", "", true},
    {"raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE", "", false},
    {"raw_tp.w+", "RAW_TRACEPOINT_WRITABLE", "", false},
    {"tp_btf+", "TRACING", "BPF_TRACE_RAW_TP", false},
    {"tp_btf.s+", "TRACING", "BPF_TRACE_RAW_TP", true},
    {"fentry+", "TRACING", "BPF_TRACE_FENTRY", false},
    {"fmod_ret+", "TRACING", "BPF_MODIFY_RETURN", false},
    {"fexit+", "TRACING", "BPF_TRACE_FEXIT", false},
    {"fentry.s+", "TRACING", "BPF_TRACE_FENTRY", true},
    {"fmod_ret.s+", "TRACING", "BPF_MODIFY_RETURN", true},
    {"fexit.s+", "TRACING", "BPF_TRACE_FEXIT", true},
    {"fsession+", "TRACING", "BPF_TRACE_FSESSION", false},
    {"fsession.s+", "TRACING", "BPF_TRACE_FSESSION", true},
    {"fsession.multi+", "TRACING", "BPF_TRACE_FSESSION_MULTI", false},
    {"fsession.multi.s+", "TRACING", "BPF_TRACE_FSESSION_MULTI", true},
    {"fentry.multi+", "TRACING", "BPF_TRACE_FENTRY_MULTI", false},
    {"fexit.multi+", "TRACING", "BPF_TRACE_FEXIT_MULTI", false},
    {"fentry.multi.s+", "TRACING", "BPF_TRACE_FENTRY_MULTI", true},
    {"fexit.multi.s+", "TRACING", "BPF_TRACE_FEXIT_MULTI", true},
    {"freplace+", "EXT", "", false},
    {"lsm+", "LSM", "BPF_LSM_MAC", false},
    {"lsm.s+", "LSM", "BPF_LSM_MAC", true},
    {"lsm_cgroup+", "LSM", "BPF_LSM_CGROUP", false},
    {"iter+", "TRACING", "BPF_TRACE_ITER", false},
    {"iter.s+", "TRACING", "BPF_TRACE_ITER", true},
    {"syscall", "SYSCALL", "", true},
    {"xdp.frags/devmap", "XDP", "BPF_XDP_DEVMAP", false},
    {"xdp/devmap", "XDP", "BPF_XDP_DEVMAP", false},
    {"xdp.frags/cpumap", "XDP", "BPF_XDP_CPUMAP", false},
    {"xdp/cpumap", "XDP", "BPF_XDP_CPUMAP", false},
    {"xdp.frags", "XDP", "BPF_XDP", false},
    {"xdp", "XDP", "BPF_XDP", false},
    {"perf_event", "PERF_EVENT", "", false},
    {"lwt_in", "LWT_IN", "", false},
    {"lwt_out", "LWT_OUT", "", false},
    {"lwt_xmit", "LWT_XMIT", "", false},
    {"lwt_seg6local", "LWT_SEG6LOCAL", "", false},
    {"sockops", "SOCK_OPS", "BPF_CGROUP_SOCK_OPS", false},
    {"sk_skb/stream_parser", "SK_SKB", "BPF_SK_SKB_STREAM_PARSER", false},
    {"sk_skb/stream_verdict", "SK_SKB", "BPF_SK_SKB_STREAM_VERDICT", false},
    {"sk_skb/verdict", "SK_SKB", "BPF_SK_SKB_VERDICT", false},
    {"sk_skb", "SK_SKB", "", false},
    {"sk_msg", "SK_MSG", "BPF_SK_MSG_VERDICT", false},
    {"lirc_mode2", "LIRC_MODE2", "BPF_LIRC_MODE2", false},
    {"flow_dissector", "FLOW_DISSECTOR", "BPF_FLOW_DISSECTOR", false},
    {"cgroup_skb/ingress", "CGROUP_SKB", "BPF_CGROUP_INET_INGRESS", false},
    {"cgroup_skb/egress", "CGROUP_SKB", "BPF_CGROUP_INET_EGRESS", false},
    {"cgroup/skb", "CGROUP_SKB", "", false},
    {"cgroup/sock_create", "CGROUP_SOCK", "BPF_CGROUP_INET_SOCK_CREATE", false},
    {"cgroup/sock_release", "CGROUP_SOCK", "BPF_CGROUP_INET_SOCK_RELEASE", false},
    {"cgroup/sock", "CGROUP_SOCK", "BPF_CGROUP_INET_SOCK_CREATE", false},
    {"cgroup/post_bind4", "CGROUP_SOCK", "BPF_CGROUP_INET4_POST_BIND", false},
    {"cgroup/post_bind6", "CGROUP_SOCK", "BPF_CGROUP_INET6_POST_BIND", false},
    {"cgroup/bind4", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET4_BIND", false},
    {"cgroup/bind6", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET6_BIND", false},
    {"cgroup/connect4", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET4_CONNECT", false},
    {"cgroup/connect6", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET6_CONNECT", false},
    {"cgroup/connect_unix", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UNIX_CONNECT", false},
    {"cgroup/sendmsg4", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP4_SENDMSG", false},
    {"cgroup/sendmsg6", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP6_SENDMSG", false},
    {"cgroup/sendmsg_unix", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UNIX_SENDMSG", false},
    {"cgroup/recvmsg4", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP4_RECVMSG", false},
    {"cgroup/recvmsg6", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UDP6_RECVMSG", false},
    {"cgroup/recvmsg_unix", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UNIX_RECVMSG", false},
    {"cgroup/getpeername4", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET4_GETPEERNAME", false},
    {"cgroup/getpeername6", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET6_GETPEERNAME", false},
    {"cgroup/getpeername_unix", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UNIX_GETPEERNAME", false},
    {"cgroup/getsockname4", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET4_GETSOCKNAME", false},
    {"cgroup/getsockname6", "CGROUP_SOCK_ADDR", "BPF_CGROUP_INET6_GETSOCKNAME", false},
    {"cgroup/getsockname_unix", "CGROUP_SOCK_ADDR", "BPF_CGROUP_UNIX_GETSOCKNAME", false},
    {"cgroup/sysctl", "CGROUP_SYSCTL", "BPF_CGROUP_SYSCTL", false},
    {"cgroup/getsockopt", "CGROUP_SOCKOPT", "BPF_CGROUP_GETSOCKOPT", false},
    {"cgroup/setsockopt", "CGROUP_SOCKOPT", "BPF_CGROUP_SETSOCKOPT", false},
    {"cgroup/dev", "CGROUP_DEVICE", "BPF_CGROUP_DEVICE", false},
    {"struct_ops+", "STRUCT_OPS", "", false},
    {"struct_ops.s+", "STRUCT_OPS", "", true},
    {"sk_lookup", "SK_LOOKUP", "BPF_SK_LOOKUP", false},
    {"netfilter", "NETFILTER", "BPF_NETFILTER", false},
};

bool matches(std::string_view pattern, std::string_view name) {
  if (pattern.back() == '/') return name.starts_with(pattern);
  if (pattern.back() == '+') {
    std::string_view stem = pattern.substr(0, pattern.size() - 1);
    if (!name.starts_with(stem)) return false;
    return name.size() == stem.size() || name[stem.size()] == '/';
  }
  return name == pattern;
}

}  // namespace

std::string_view kfunc_hook(std::string_view prog_type) {
  static constexpr std::pair<std::string_view, std::string_view> kHooks[] = {
      {"XDP", "xdp"},           {"SCHED_CLS", "tc"},          {"STRUCT_OPS", "struct_ops"},
      {"TRACING", "tracing"},   {"TRACEPOINT", "tracing"},    {"RAW_TRACEPOINT", "tracing"},
      {"PERF_EVENT", "tracing"}, {"LSM", "tracing"},          {"SYSCALL", "syscall"},
      {"CGROUP_SKB", "cgroup"}, {"CGROUP_SOCK", "cgroup"},    {"CGROUP_DEVICE", "cgroup"},
      {"CGROUP_SOCK_ADDR", "cgroup"}, {"CGROUP_SOCKOPT", "cgroup"}, {"CGROUP_SYSCTL", "cgroup"},
      {"SOCK_OPS", "cgroup"},   {"SCHED_ACT", "sched_act"},   {"SK_SKB", "sk_skb"},
      {"SOCKET_FILTER", "socket_filter"}, {"LWT_OUT", "lwt"}, {"LWT_IN", "lwt"},
      {"LWT_XMIT", "lwt"},      {"LWT_SEG6LOCAL", "lwt"},     {"NETFILTER", "netfilter"},
      {"KPROBE", "kprobe"}};
  constexpr std::string_view kPrefix = "BPF_PROG_TYPE_";
  if (!prog_type.starts_with(kPrefix)) return "";
  prog_type.remove_prefix(kPrefix.size());
  if (prog_type == "EXT" || prog_type == "UNSPEC") return "";
  for (const auto &[type, hook] : kHooks)
    if (type == prog_type) return hook;
  return "none";
}

SectionDef section_def(std::string_view sec_name) {
  if (sec_name.starts_with('?')) sec_name.remove_prefix(1);
  for (const Entry &e : kSectionDefs) {
    if (!matches(e.pattern, sec_name)) continue;
    return {"BPF_PROG_TYPE_" + std::string(e.prog_type), std::string(e.attach_type), e.sleepable,
            std::string(e.pattern)};
  }
  return {};
}

}  // namespace kfb::bpf
