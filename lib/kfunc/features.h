// pahole-style feature lists for `kfuncbtf emit --features=LIST`.
//
//   kfb::kfunc::EmitFeatures f = kfb::kfunc::parse_features("+sort,-scopes", /*strict=*/false, &ignored);
//   f.sort == true; f.scopes == false; f.tags == true;             // +/- edit the defaults
//   f = kfb::kfunc::parse_features("tags,twins", false, nullptr);  // bare names: exactly these
//   f = kfb::kfunc::parse_features("default,dedup", false, nullptr);
//   kfb::kfunc::features_string(f)                           // "tags,twins,arg_flags,scopes,dedup"
//   for (const kfb::kfunc::FeatureInfo &i : kfb::kfunc::feature_table()) printf("%s\n", i.name);
//
// Grammar: a comma-separated list read left to right. `default` adds every default feature,
// `all` every feature, `name` or `+name` adds one, `-name` removes one. The list starts from
// the defaults when every item is a `+name`/`-name` edit (so `--features=+sort` means
// "defaults plus sort"), and from nothing as soon as one bare name or `default`/`all` appears
// (pahole's `--btf_features=name,...`: exactly what is listed). Unknown names are ignored (and
// reported through `ignored`) unless `strict`, where they throw kfb::Error. Defaults: tags,
// twins, arg_flags, scopes. Not default: sort (renumbers every type: only valid before
// resolve_btfids fills .BTF_ids) and dedup.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kfb::kfunc {

struct EmitFeatures {
  bool tags = true;       // bpf_kfunc / bpf_fastcall decl tags
  bool twins = true;      // F_impl twins and trimmed protos for implicit arguments
  bool arg_flags = true;  // bpf_kfunc_arg:<flag> and bpf_kfunc_ret:<flag> tags
  bool scopes = true;     // bpf_kfunc_scope:<ops>:0x<mask> and bpf_kfunc_calls:... tags
  bool arena = true;      // address_space(1) type attributes on arena pointers (resolve_btfids 7.3)
  bool sort = false;      // re-sort own types by name (resolve_btfids' order)
  bool dedup = false;     // reuse an identical existing FUNC_PROTO for a trimmed proto
  // `arena` was named in the list (not only implied by the defaults): emit then adds the
  // attributes even where it would leave them to resolve_btfids (kernel 7.3 and later).
  bool arena_named = false;
  bool operator==(const EmitFeatures &) const = default;
};

struct FeatureInfo {
  const char *name;
  bool is_default;
  bool EmitFeatures::*field;
  const char *help;
};

// Every feature, in the order --list-features prints them.
const std::vector<FeatureInfo> &feature_table();

EmitFeatures parse_features(std::string_view list, bool strict, std::vector<std::string> *ignored);

// Enabled features in table order, comma-separated ("" when none).
std::string features_string(const EmitFeatures &f);

}  // namespace kfb::kfunc
