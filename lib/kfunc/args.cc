#include "kfunc/args.h"

#include "support/diag.h"
#include "support/error.h"

namespace kfb::kfunc {

SuffixSplit split_suffixes(std::string_view name) {
  SuffixSplit s;
  for (;;) {
    size_t cut = name.rfind("__");
    if (cut == std::string_view::npos || cut == 0) break;
    uint32_t f = suffix_flag(name.substr(cut));
    if (!f) break;
    s.flags |= f;
    name = name.substr(0, cut);
  }
  s.base = std::string(name);
  return s;
}

bool is_implicit_struct(std::string_view name) {
  return name == "bpf_prog_aux" || name == "btf_struct_meta";
}

namespace {

void violation(const Kfunc &k, const KfuncParam &p, const std::string &why, DiagSink &diags) {
  Diag d;
  d.severity = Severity::Error;
  d.rule = "kfunc-arg-flag";
  d.type_id = k.btf_id;
  d.kind = "FUNC";
  d.name = k.name;
  d.message = strfmt("arg '%s': %s", p.name.c_str(), why.c_str());
  d.file = k.file;
  d.line = k.line;
  diags.add(std::move(d));
}

}  // namespace

void derive_arg_flags(Kfunc &k, DiagSink &diags) {
  // a. suffixes, b. types
  for (KfuncParam &p : k.params) {
    SuffixSplit s = split_suffixes(p.name);
    p.base = s.base;
    p.suffix_flags = s.flags;
    p.flags = s.flags;
    if ((k.flags & KF_IMPLICIT_ARGS) && is_implicit_struct(p.type.ptr_to_struct))
      p.flags |= ARG_IMPLICIT;
    p.implicit = p.flags & ARG_IMPLICIT;
  }
  // c. kfunc-wide flags
  if ((k.flags & KF_RELEASE) && !k.params.empty()) k.params[0].flags |= ARG_RELEASE;
  if (k.flags & KF_RCU)
    for (KfuncParam &p : k.params)
      if (p.type.type_class == dwarf::TypeClass::Pointer && !(p.flags & (ARG_IMPLICIT | ARG_IGNORE)))
        p.flags |= ARG_RCU;
  if ((k.flags & KF_ARENA_ARG1) && k.params.size() > 0) k.params[0].flags |= ARG_ARENA;
  if ((k.flags & KF_ARENA_ARG2) && k.params.size() > 1) k.params[1].flags |= ARG_ARENA;
  k.ret.flags = 0;
  if (k.flags & KF_ACQUIRE) k.ret.flags |= RET_ACQUIRE;
  if (k.flags & KF_RET_NULL) k.ret.flags |= RET_NULLABLE;
  if (k.flags & KF_ARENA_RET) k.ret.flags |= RET_ARENA;

  // Rules: one finding per parameter and rule, in parameter order.
  for (size_t i = 0; i < k.params.size(); i++) {
    const KfuncParam &p = k.params[i];
    bool ptr = p.type.type_class == dwarf::TypeClass::Pointer;
    bool scalar = p.type.type_class == dwarf::TypeClass::Scalar;
    // Parameters after an implicit one, implicit or not, are normal (upstream: the BPF-visible
    // prototype ends at the first implicit one).
    if (p.implicit && !ptr) violation(k, p, "implicit argument must be a pointer", diags);
    for (uint32_t f : {ARG_SIZE, ARG_CONST_SIZE}) {
      if (!(p.flags & f)) continue;
      const char *what = f == ARG_SIZE ? "size" : "constant size";
      if (!scalar) violation(k, p, strfmt("%s argument must be a scalar", what), diags);
      if (i == 0 || k.params[i - 1].type.type_class != dwarf::TypeClass::Pointer)
        violation(k, p, strfmt("%s argument must follow a pointer argument", what), diags);
    }
    if ((p.flags & ARG_CONST) && !scalar)
      violation(k, p, "constant argument must be a scalar", diags);
    // `__ign` with another suffix is a contradiction in the source; a kfunc-wide flag landing on
    // an ignored parameter is not (7.3: bpf_arena_free_pages(p__map, ptr__ign, ...) with
    // KF_ARENA_ARG2), and the verifier skips the parameter before it looks at any flag.
    if ((p.suffix_flags & ARG_IGNORE) && (p.suffix_flags & ~ARG_IGNORE))
      violation(k, p, strfmt("ignored argument cannot also be %s",
                             join(arg_flag_names(p.suffix_flags & ~ARG_IGNORE), ", ").c_str()), diags);
    uint32_t own = (p.flags & ARG_IGNORE) ? p.suffix_flags : p.flags;
    uint32_t need_ptr = own & ~(ARG_IMPLICIT | ARG_SIZE | ARG_CONST_SIZE | ARG_CONST | ARG_IGNORE);
    if (need_ptr && !ptr)
      violation(k, p, strfmt("%s needs a pointer argument, not '%s'",
                             join(arg_flag_names(need_ptr), ", ").c_str(), p.type.text.c_str()),
                diags);
  }
}

}  // namespace kfb::kfunc
