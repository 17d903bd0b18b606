#include "kfunc/kfunc.h"

#include <algorithm>

namespace kfb::kfunc {

const char *kfunc_source_name(KfuncSource s) {
  switch (s) {
    case KfuncSource::Set: return "set";
    case KfuncSource::Tag: return "tag";
    case KfuncSource::Both: return "both";
  }
  return "set";
}

size_t Kfunc::explicit_count() const {
  for (size_t i = 0; i < params.size(); i++)
    if (params[i].implicit) return i;
  return params.size();
}

bool Kfunc::has_implicit() const {
  return std::any_of(params.begin(), params.end(), [](const KfuncParam &p) { return p.implicit; });
}

const Kfunc *KfuncList::find(const std::string &name) const {
  auto it = std::lower_bound(kfuncs.begin(), kfuncs.end(), name,
                             [](const Kfunc &k, const std::string &n) { return k.name < n; });
  return it != kfuncs.end() && it->name == name ? &*it : nullptr;
}

Kfunc *KfuncList::find(const std::string &name) {
  return const_cast<Kfunc *>(static_cast<const KfuncList *>(this)->find(name));
}

}  // namespace kfb::kfunc
