// reach: the abstract walk of prune.h.
//
// Values: Unknown, a constant, a pointer that is never NULL (a resolved ksym, a function's
// address), a pointer into a .rodata section at a known offset, the address of a .kconfig
// extern, or the frame pointer plus a constant (to see spills and the slots whose address
// escapes). One state per instruction (11 registers, the 8-byte stack slots), joined where paths
// meet (equal values stay, others become Unknown), iterated to a fixed point: each join only
// forgets, so it ends. A conditional jump whose outcome the operands decide takes one way.
#include "bpf/prune.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace kfb::bpf {
namespace {

// BPF opcode fields (include/uapi/linux/bpf.h, bpf_common.h).
constexpr uint8_t kClassLd = 0x00, kClassLdx = 0x01, kClassSt = 0x02, kClassStx = 0x03,
                  kClassAlu = 0x04, kClassJmp = 0x05, kClassJmp32 = 0x06, kClassAlu64 = 0x07;
constexpr uint8_t kModeMem = 0x60, kModeAtomic = 0xc0;
constexpr uint8_t kSrcX = 0x08;
constexpr uint8_t kLdImm64 = 0x18;
constexpr uint8_t kPseudoCall = 1, kPseudoFunc = 4;
constexpr int kFp = 10;

// Where jump instruction `i` goes when taken: i + 1 + off, or + imm for JMP32's ja (gotol,
// a 32-bit offset). May be out of range: the callers say what that means.
int64_t jump_target(size_t i, const BpfInsn &in) {
  bool gotol = (in.code & 0x07) == kClassJmp32 && (in.code & 0xf0) == 0x00;
  return static_cast<int64_t>(i) + 1 + (gotol ? in.imm : in.off);
}

struct Val {
  enum Kind : uint8_t { Unknown, Const, NonNull, Rodata, Kconfig, Fp };
  Kind kind = Unknown;
  uint64_t v = 0;          // Const: the value; Rodata, Fp: the offset
  const std::string *sec = nullptr;  // Rodata: the section; Kconfig: the extern's name
  bool operator==(const Val &o) const { return kind == o.kind && v == o.v && sec == o.sec; }
  static Val constant(uint64_t x) { return {Const, x, nullptr}; }
};

struct State {
  std::array<Val, 11> r;
  std::map<int64_t, Val> stack;  // 8-byte slots by offset from the frame pointer
  // Join `o` into this one; true if anything changed.
  bool join(const State &o) {
    bool changed = false;
    for (size_t i = 0; i < r.size(); i++)
      if (!(r[i] == o.r[i]) && r[i].kind != Val::Unknown) r[i] = Val{}, changed = true;
    for (auto it = stack.begin(); it != stack.end();) {
      auto jt = o.stack.find(it->first);
      if (jt == o.stack.end() || !(jt->second == it->second)) it = stack.erase(it), changed = true;
      else ++it;
    }
    return changed;
  }
};

class Walker {
 public:
  Walker(const Object &obj, const Facts &facts) : obj_(obj), f_(facts) {
    if (!obj.btf) return;
    std::vector<const CoreRelo *> relos;
    for (const FuncCode &fc : obj.funcs)
      for (const auto &[insn, r] : fc.core) relos.push_back(&r);
    cands_ = core_candidates(*obj.btf, relos, f_.targets);
  }

  // The instructions of function `fi` the walk reaches, and the functions it calls from them.
  std::vector<bool> walk(size_t fi, std::vector<size_t> &callees);

 private:
  const Object &obj_;
  const Facts &f_;
  CoreCandidates cands_;                                            // the relocations' target types
  std::map<const CoreRelo *, std::optional<uint64_t>> core_memo_;  // a walk meets a relocation often

  std::optional<uint64_t> core_of(const CoreRelo &r) {
    if (!obj_.btf) return std::nullopt;
    auto [it, added] = core_memo_.try_emplace(&r);
    if (added) it->second = core_value(*obj_.btf, r, cands_);
    return it->second;
  }

  // A load the verifier knows the value of: from .rodata (or a -G knob) or a .kconfig extern.
  std::optional<uint64_t> constant_load(const Val &p, int16_t off, unsigned size) const;
  Val operand(const State &s, const BpfInsn &in) const {
    return (in.code & kSrcX) ? s.r[in.src_reg] : Val::constant(static_cast<uint64_t>(static_cast<int64_t>(in.imm)));
  }
  static std::optional<bool> branch(uint8_t op, bool is32, const Val &a, const Val &b);
  static Val alu(uint8_t op, bool is64, const Val &a, const Val &b, bool &ok);
};

std::optional<uint64_t> Walker::constant_load(const Val &p, int16_t off, unsigned size) const {
  if (p.kind == Val::Kconfig) {
    auto it = f_.kconfig.find(*p.sec);
    if (off != 0 || it == f_.kconfig.end()) return std::nullopt;
    return size >= 8 ? it->second : it->second & ((uint64_t{1} << (size * 8)) - 1);
  }
  if (p.kind != Val::Rodata) return std::nullopt;
  auto sec = obj_.rodata.find(*p.sec);
  if (sec == obj_.rodata.end()) return std::nullopt;
  int64_t at = static_cast<int64_t>(p.v) + off;
  if (at < 0 || static_cast<uint64_t>(at) + size > sec->second.size()) return std::nullopt;
  // A knob given on the command line covers its variable's bytes.
  for (const auto &[name, value] : f_.knobs) {
    auto v = obj_.rodata_vars.find(name);
    if (v == obj_.rodata_vars.end() || v->second.section != *p.sec) continue;
    uint64_t lo = v->second.off, hi = v->second.off + std::min<uint64_t>(v->second.size, 8);
    if (static_cast<uint64_t>(at) < lo || static_cast<uint64_t>(at) + size > hi) continue;
    uint64_t x = value >> ((static_cast<uint64_t>(at) - lo) * 8);
    return size >= 8 ? x : x & ((uint64_t{1} << (size * 8)) - 1);
  }
  uint64_t x = 0;
  for (unsigned i = 0; i < size; i++) {
    uint64_t b = sec->second[static_cast<size_t>(at) + (obj_.big_endian ? i : size - 1 - i)];
    x = x << 8 | b;
  }
  return x;
}

std::optional<bool> Walker::branch(uint8_t op, bool is32, const Val &a, const Val &b) {
  // A pointer that is never NULL decides a 64-bit test against 0 only (its low 32 bits may be 0).
  if (a.kind == Val::NonNull && b.kind == Val::Const && b.v == 0 && !is32) {
    if (op == 0x10 || op == 0xb0) return false;  // JEQ, JLE (unsigned <= 0)
    if (op == 0x50 || op == 0x20) return true;   // JNE, JGT
    return std::nullopt;
  }
  if (a.kind != Val::Const || b.kind != Val::Const) return std::nullopt;
  uint64_t x = a.v, y = b.v;
  int64_t sx = static_cast<int64_t>(x), sy = static_cast<int64_t>(y);
  if (is32) {
    x = static_cast<uint32_t>(x), y = static_cast<uint32_t>(y);
    sx = static_cast<int32_t>(x), sy = static_cast<int32_t>(y);
  }
  switch (op) {
    case 0x10: return x == y;       // JEQ
    case 0x20: return x > y;        // JGT
    case 0x30: return x >= y;       // JGE
    case 0x40: return (x & y) != 0; // JSET
    case 0x50: return x != y;       // JNE
    case 0x60: return sx > sy;      // JSGT
    case 0x70: return sx >= sy;     // JSGE
    case 0xa0: return x < y;        // JLT
    case 0xb0: return x <= y;       // JLE
    case 0xc0: return sx < sy;      // JSLT
    case 0xd0: return sx <= sy;     // JSLE
    default: return std::nullopt;
  }
}

Val Walker::alu(uint8_t op, bool is64, const Val &a, const Val &b, bool &ok) {
  ok = true;
  if (op == 0xb0) return is64 || b.kind != Val::Const ? (is64 ? b : Val{}) : Val::constant(static_cast<uint32_t>(b.v));
  // Pointer plus or minus a constant stays that pointer.
  if (is64 && (a.kind == Val::Rodata || a.kind == Val::Fp) && b.kind == Val::Const && (op == 0x00 || op == 0x10)) {
    Val r = a;
    r.v = op == 0x00 ? a.v + b.v : a.v - b.v;
    return r;
  }
  if (a.kind != Val::Const || (op != 0x80 && b.kind != Val::Const)) return Val{};
  uint64_t x = a.v, y = b.v, r;
  unsigned bits = is64 ? 64 : 32;
  switch (op) {
    case 0x00: r = x + y; break;
    case 0x10: r = x - y; break;
    case 0x20: r = x * y; break;
    case 0x40: r = x | y; break;
    case 0x50: r = x & y; break;
    case 0x60: r = (y & (bits - 1)) ? x << (y & (bits - 1)) : x; break;
    case 0x70: r = is64 ? x >> (y & 63) : static_cast<uint32_t>(x) >> (y & 31); break;
    case 0x80: r = -x; break;
    case 0xa0: r = x ^ y; break;
    case 0xc0: r = is64 ? static_cast<uint64_t>(static_cast<int64_t>(x) >> (y & 63))
                        : static_cast<uint32_t>(static_cast<int32_t>(x) >> (y & 31));
      break;
    default: return Val{};  // DIV, MOD, END, ...: not needed for guards
  }
  return Val::constant(is64 ? r : static_cast<uint32_t>(r));
}

std::vector<bool> Walker::walk(size_t fi, std::vector<size_t> &callees) {
  const FuncCode &fc = obj_.funcs[fi];
  size_t n = fc.insns.size();
  std::vector<bool> reached(n, false);
  auto give_up = [&] {
    std::fill(reached.begin(), reached.end(), true);
    callees.clear();
    for (const auto &[idx, ref] : fc.refs)
      if (ref.kind == InsnRef::Callee) callees.push_back(ref.index);
    return reached;
  };
  // The verifier walks at most 1,000,000 instructions; a function this size is walked whole
  // rather than held as one state per instruction.
  if (n > (1u << 18)) return give_up();
  // States are kept only where paths meet: the entry and every jump target. Any other
  // instruction has one way in (from the one before it), so its state is carried on the work
  // list instead of stored: one State per instruction cost more page faults than the rest of
  // a check (scx_qmap: 430 of 772).
  constexpr uint32_t kNoSlot = ~0u;
  std::vector<uint32_t> slot(n, kNoSlot);
  uint32_t nslots = 0;
  slot[0] = nslots++;
  for (size_t k = 0; k < n; k++) {
    const BpfInsn &j = fc.insns[k];
    uint8_t jcls = j.code & 0x07, jop = j.code & 0xf0;
    if ((jcls != kClassJmp && jcls != kClassJmp32) || jop == 0x80 || jop == 0x90) continue;
    int64_t to = jump_target(k, j);
    if (to >= 0 && static_cast<size_t>(to) < n && slot[to] == kNoSlot) slot[to] = nslots++;
  }
  std::vector<std::optional<State>> at(nslots);
  State entry;
  entry.r[kFp] = {Val::Fp, 0, nullptr};
  at[0] = entry;
  struct Work {
    size_t i;
    std::optional<State> carried;  // the state of an instruction without a slot
  };
  std::vector<Work> work;
  work.push_back({0, std::nullopt});
  std::vector<bool> queued(nslots, false);
  queued[0] = true;
  size_t steps = 0;
  auto flow = [&](size_t to, const State &s) {
    if (to >= n) return false;
    uint32_t k = slot[to];
    if (k == kNoSlot) {
      work.push_back({to, s});
      return true;
    }
    if (!at[k]) at[k] = s;
    else if (!at[k]->join(s)) return true;
    if (!queued[k]) queued[k] = true, work.push_back({to, std::nullopt});
    return true;
  };
  while (!work.empty()) {
    if (++steps > 16 * n + 1024) return give_up();
    Work w = std::move(work.back());
    work.pop_back();
    size_t i = w.i;
    State s;
    if (w.carried) {
      s = std::move(*w.carried);
    } else {
      queued[slot[i]] = false;
      s = *at[slot[i]];
    }
    reached[i] = true;
    const BpfInsn &in = fc.insns[i];
    uint8_t cls = in.code & 0x07, op = in.code & 0xf0;
    auto ref = fc.refs.find(static_cast<uint32_t>(i));
    auto core = fc.core.find(static_cast<uint32_t>(i));
    auto forget_escaped = [&] {  // a call may write any slot whose address it was given
      for (int r = 1; r <= 5; r++)
        if (s.r[r].kind == Val::Fp) s.stack.clear();
    };
    if (in.code == kLdImm64) {
      if (i + 1 >= n) return give_up();
      Val v;
      uint64_t imm64 = static_cast<uint32_t>(in.imm) | uint64_t{static_cast<uint32_t>(fc.insns[i + 1].imm)} << 32;
      if (ref != fc.refs.end()) {
        const InsnRef &rf = ref->second;
        if (rf.kind == InsnRef::Ksym)
          v = rf.index < f_.ksym_resolved.size() && f_.ksym_resolved[rf.index] ? Val{Val::NonNull, 0, nullptr}
                                                                              : Val::constant(0);
        else if (rf.kind == InsnRef::Kconfig)
          v = {Val::Kconfig, 0, &rf.name};
        else if (rf.kind == InsnRef::Data && obj_.rodata.count(rf.name))
          v = {Val::Rodata, static_cast<uint64_t>(rf.off), &rf.name};
        else if (rf.kind == InsnRef::Callee)
          v = {Val::NonNull, 0, nullptr}, callees.push_back(rf.index);  // a callback: reachable
      } else if (in.src_reg == 0) {
        v = Val::constant(imm64);
      } else if (in.src_reg == kPseudoFunc) {
        v = {Val::NonNull, 0, nullptr};
      }
      if (in.dst_reg > 9) return give_up();
      if (core != fc.core.end()) {  // an enumerator's existence or value, a type id: the target's
        std::optional<uint64_t> x = core_of(core->second);
        v = x ? Val::constant(*x) : Val{};
      }
      s.r[in.dst_reg] = v;
      reached[i + 1] = true;
      flow(i + 2, s);
      continue;
    }
    switch (cls) {
      case kClassAlu:
      case kClassAlu64: {
        if (in.dst_reg > 9 || ((in.code & kSrcX) && in.src_reg > 10)) return give_up();
        bool ok = true;
        Val b = operand(s, in);
        if (op == 0xb0 && in.off != 0) b = Val{};  // MOVSX: not followed
        s.r[in.dst_reg] = alu(op, cls == kClassAlu64, s.r[in.dst_reg], b, ok);
        if (core != fc.core.end()) {  // libbpf rewrites the immediate for this target
          std::optional<uint64_t> x;
          if (op == 0xb0 && !(in.code & kSrcX)) x = core_of(core->second);
          s.r[in.dst_reg] = x ? Val::constant(cls == kClassAlu64 ? *x : static_cast<uint32_t>(*x)) : Val{};
        }
        flow(i + 1, s);
        break;
      }
      case kClassLdx: {
        if (in.dst_reg > 9 || in.src_reg > 10) return give_up();
        unsigned size = ((in.code >> 3) & 3) == 3 ? 8 : ((in.code >> 3) & 3) == 0 ? 4 : ((in.code >> 3) & 3) == 1 ? 2 : 1;
        const Val &p = s.r[in.src_reg];
        Val v;
        if ((in.code & 0xe0) == kModeMem) {
          if (p.kind == Val::Fp && size == 8) {
            auto it = s.stack.find(static_cast<int64_t>(p.v) + in.off);
            if (it != s.stack.end()) v = it->second;
          } else if (auto x = constant_load(p, in.off, size)) {
            v = Val::constant(*x);
          }
        }
        s.r[in.dst_reg] = v;
        flow(i + 1, s);
        break;
      }
      case kClassSt:
      case kClassStx: {
        if (in.dst_reg > 10 || (cls == kClassStx && in.src_reg > 10)) return give_up();
        const Val &p = s.r[in.dst_reg];
        unsigned sz = ((in.code >> 3) & 3) == 3 ? 8 : ((in.code >> 3) & 3) == 0 ? 4 : ((in.code >> 3) & 3) == 1 ? 2 : 1;
        if (p.kind == Val::Fp) {
          int64_t at_off = static_cast<int64_t>(p.v) + in.off;
          for (auto it = s.stack.begin(); it != s.stack.end();)
            it = it->first < at_off + static_cast<int64_t>(sz) && at_off < it->first + 8 ? s.stack.erase(it) : std::next(it);
          if (sz == 8 && (in.code & 0xe0) == kModeMem)
            s.stack[at_off] = cls == kClassStx ? s.r[in.src_reg]
                                               : Val::constant(static_cast<uint64_t>(static_cast<int64_t>(in.imm)));
        } else if (cls == kClassStx && s.r[in.src_reg].kind == Val::Fp) {
          s.stack.clear();  // a stack address stored elsewhere: anything may write there
        }
        if (cls == kClassStx && (in.code & 0xe0) == kModeAtomic) {
          s.r[in.src_reg] = Val{};  // BPF_FETCH and XCHG write the source register
          s.r[0] = Val{};           // CMPXCHG writes r0
        }
        flow(i + 1, s);
        break;
      }
      case kClassJmp:
      case kClassJmp32: {
        if (op == 0x80) {  // call
          // A subprogram; an extern's call (clang writes it as a pseudo call too) is a kfunc.
          if (in.src_reg == kPseudoCall && !(ref != fc.refs.end() && ref->second.kind == InsnRef::Ksym)) {
            if (ref != fc.refs.end() && ref->second.kind == InsnRef::Callee) callees.push_back(ref->second.index);
            else return give_up();
          }
          forget_escaped();
          for (int r = 0; r <= 5; r++) s.r[r] = Val{};
          flow(i + 1, s);
          break;
        }
        if (op == 0x90) break;  // exit
        if (op == 0x00) {       // ja (JMP32: gotol, 32-bit offset in imm)
          int64_t to = jump_target(i, in);
          if (to < 0) return give_up();
          flow(static_cast<size_t>(to), s);
          break;
        }
        if (op == 0xe0 || in.dst_reg > 10 || ((in.code & kSrcX) && in.src_reg > 10)) {  // may_goto ...
          if (op != 0xe0) return give_up();
        }
        int64_t to = jump_target(i, in);
        if (to < 0) return give_up();
        std::optional<bool> taken =
            op == 0xe0 ? std::nullopt : branch(op, cls == kClassJmp32, s.r[in.dst_reg], operand(s, in));
        if (!taken || *taken) flow(static_cast<size_t>(to), s);
        if (!taken || !*taken) flow(i + 1, s);
        break;
      }
      default:
        if (cls == kClassLd) return give_up();  // legacy packet loads
        return give_up();
    }
  }
  return reached;
}

}  // namespace

Reach reach(const Object &obj, const Facts &facts) {
  Reach r;
  r.use_reached.assign(obj.uses.size(), false);
  r.program_uses.assign(obj.programs.size(), std::vector<bool>(obj.uses.size(), false));
  for (const auto &[name, value] : facts.knobs)
    if (!obj.rodata_vars.count(name)) r.unknown_knobs.push_back(name);
  Walker w(obj, facts);
  std::vector<std::vector<bool>> insns(obj.funcs.size());
  std::vector<std::vector<size_t>> calls(obj.funcs.size());
  std::vector<bool> walked(obj.funcs.size(), false);
  auto walked_fn = [&](size_t fi) {
    if (!walked[fi]) insns[fi] = w.walk(fi, calls[fi]), walked[fi] = true;
  };
  // Uses by function and instruction.
  std::map<std::pair<size_t, uint32_t>, std::vector<size_t>> uses_at;
  for (size_t u = 0; u < obj.uses.size(); u++) uses_at[{obj.uses[u].func, obj.uses[u].func_insn}].push_back(u);
  for (size_t p = 0; p < obj.programs.size() && p < obj.program_func.size(); p++) {
    std::vector<bool> seen(obj.funcs.size(), false);
    std::vector<size_t> stack{obj.program_func[p]};
    seen[stack[0]] = true;
    while (!stack.empty()) {
      size_t fi = stack.back();
      stack.pop_back();
      walked_fn(fi);
      for (auto it = uses_at.lower_bound({fi, 0}); it != uses_at.end() && it->first.first == fi; ++it)
        if (it->first.second < insns[fi].size() && insns[fi][it->first.second])
          for (size_t u : it->second) r.program_uses[p][u] = true, r.use_reached[u] = true;
      for (size_t c : calls[fi])
        if (c < seen.size() && !seen[c]) seen[c] = true, stack.push_back(c);
    }
  }
  return r;
}

}  // namespace kfb::bpf
