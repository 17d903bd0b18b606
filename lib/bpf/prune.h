// Reachability as the verifier sees it: which instructions of a program a target kernel's
// verifier walks, given what that target makes constant (man kfuncbtf(1), PROGRAM MODE).
//
//   kfb::bpf::Facts f;
//   f.ksym_resolved = {true, false};          // per extern: libbpf resolved it on this target
//   f.kconfig["LINUX_KERNEL_VERSION"] = KERNEL_VERSION(7, 3, 0);
//   f.knobs["nr_cpus"] = 4;                   // -G nr_cpus=4 (a 'const volatile' in .rodata)
//   kfb::bpf::Reach r = kfb::bpf::reach(obj, f);
//   r.use_reached[u];                         // some program's walk reaches obj.uses[u]
//   r.program_uses[p];                        // the uses program p's walk reaches
//
// What the verifier knows before its walk, and so prunes by (is_branch_taken):
// - a weak kfunc's bpf_ksym_exists(): libbpf writes 0 into the ld_imm64 of one it did not
//   resolve, and a BTF id (a pointer that is never NULL) for one it did;
// - 'const volatile' globals: .rodata is frozen before load, so a load from it is a constant
//   (the compiled value, or one given with -G as veristat's);
// - .kconfig externs libbpf fills in, here LINUX_KERNEL_VERSION of the target.
// The walk here is an abstract interpretation with those constants, the values of the other
// registers and 8-byte stack slots as far as plain moves, arithmetic and spills carry them, and
// both ways of every branch it cannot decide. It never prunes what the verifier might walk:
// a .text subprogram is read once with unknown arguments, a stack slot whose address escapes is
// forgotten at the next call, and a function with an instruction it does not model is walked
// whole. CO-RE relocations that guard code are libbpf's values on the target (core.cc:
// bpf_core_field_exists, _type_exists, _enum_value_exists, _type_size, _enum_value); any other
// relocated instruction's value is not known.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bpf/object.h"

namespace kfb::bpf {

struct Facts {
  std::vector<bool> ksym_resolved;             // by extern index; missing -> not resolved
  std::vector<const btf::Btf *> targets;       // vmlinux then modules: CO-RE relocations' candidates
  std::map<std::string, uint64_t> kconfig;     // .kconfig externs the target defines
  std::map<std::string, uint64_t> knobs;       // -G NAME=VALUE over .rodata variables
};

struct Reach {
  std::vector<bool> use_reached;                 // by Object::uses index
  std::vector<std::vector<bool>> program_uses;   // [program][use]: reached from that program
  std::vector<std::string> unknown_knobs;        // -G names that are no .rodata variable
};

Reach reach(const Object &obj, const Facts &facts);

// What libbpf writes into an instruction with CO-RE relocation `r` of object BTF `local` on a
// target (core.cc): FIELD_EXISTS, TYPE_EXISTS, ENUMVAL_EXISTS (0 or 1), TYPE_SIZE, ENUMVAL_VALUE;
// nullopt for other kinds or when not sure.
std::optional<uint64_t> core_value(const btf::Btf &local, const CoreRelo &r, const std::vector<const btf::Btf *> &targets);

// The target types a set of relocations can match, found in one pass over each target BTF
// (libbpf's candidate lists: every type whose essential name is the local root's), in target
// then id order. A vmlinux has ~126,000 types: one walk per relocation cost more than the rest
// of a check.
struct CoreCandidate {
  const btf::Btf *btf;
  uint32_t id;
};
using CoreCandidates = std::map<std::string, std::vector<CoreCandidate>, std::less<>>;
CoreCandidates core_candidates(const btf::Btf &local, const std::vector<const CoreRelo *> &relos,
                               const std::vector<const btf::Btf *> &targets);
std::optional<uint64_t> core_value(const btf::Btf &local, const CoreRelo &r, const CoreCandidates &cands);

}  // namespace kfb::bpf
