#include "kfunc/features.h"

#include "support/error.h"

namespace kfb::kfunc {

const std::vector<FeatureInfo> &feature_table() {
  static const std::vector<FeatureInfo> table = {
      {"tags", true, &EmitFeatures::tags, "bpf_kfunc and bpf_fastcall decl tags on every kfunc"},
      {"twins", true, &EmitFeatures::twins,
       "F_impl twins and trimmed prototypes for kfuncs with implicit arguments"},
      {"arg_flags", true, &EmitFeatures::arg_flags,
       "bpf_kfunc_arg:<flag> and bpf_kfunc_ret:<flag> tags (per-argument flag sets)"},
      {"scopes", true, &EmitFeatures::scopes,
       "bpf_kfunc_scope:<ops>:0x<mask> and bpf_kfunc_calls:<ops>:0x<mask> tags"},
      {"arena", true, &EmitFeatures::arena,
       "address_space(1) type attributes on arena pointers (KF_ARENA_*, __arena), as resolve_btfids 7.3"},
      {"sort", false, &EmitFeatures::sort,
       "re-sort all own types by name like resolve_btfids (renumbers every type)"},
      {"dedup", false, &EmitFeatures::dedup,
       "reuse an identical existing FUNC_PROTO (and arena pointer) instead of adding one"},
  };
  return table;
}

namespace {

const FeatureInfo *lookup(std::string_view name) {
  for (const FeatureInfo &i : feature_table())
    if (name == i.name) return &i;
  return nullptr;
}

}  // namespace

EmitFeatures parse_features(std::string_view list, bool strict, std::vector<std::string> *ignored) {
  std::vector<std::string_view> items;
  for (size_t i = 0; i <= list.size();) {
    size_t comma = list.find(',', i);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(i, comma - i);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.push_back(item);
    i = comma + 1;
  }

  bool edits_only = true;
  for (std::string_view item : items)
    if (item.front() != '+' && item.front() != '-') edits_only = false;

  EmitFeatures f;  // the defaults
  if (!edits_only)
    for (const FeatureInfo &i : feature_table()) f.*(i.field) = false;
  for (std::string_view item : items) {
    bool on = item.front() != '-';
    std::string_view name = (item.front() == '+' || item.front() == '-') ? item.substr(1) : item;
    if (name == "default" || name == "all") {
      for (const FeatureInfo &i : feature_table())
        if (name == "all" || i.is_default) f.*(i.field) = on;
      continue;
    }
    const FeatureInfo *info = lookup(name);
    if (!info) {
      if (strict)
        throw Error(strfmt("unknown feature '%.*s' (see --list-features)",
                           static_cast<int>(name.size()), name.data()));
      if (ignored) ignored->emplace_back(name);
      continue;
    }
    f.*(info->field) = on;
    if (info->field == &EmitFeatures::arena) f.arena_named = on;
  }
  return f;
}

std::string features_string(const EmitFeatures &f) {
  std::string out;
  for (const FeatureInfo &i : feature_table()) {
    if (!(f.*(i.field))) continue;
    if (!out.empty()) out += ',';
    out += i.name;
  }
  return out;
}

}  // namespace kfb::kfunc
