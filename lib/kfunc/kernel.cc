#include "kfunc/kernel.h"

#include "elf/elf.h"

namespace kfb::kfunc {

int parse_kernel_version(std::string_view r) {
  auto number = [&r](int &out) {
    size_t i = 0;
    out = 0;
    while (i < r.size() && i < 4 && r[i] >= '0' && r[i] <= '9') out = out * 10 + (r[i++] - '0');
    r.remove_prefix(i);
    return i > 0;
  };
  int major = 0, minor = 0;
  if (!number(major) || r.empty() || r[0] != '.') return 0;
  r.remove_prefix(1);
  if (!number(minor) || major == 0 || minor > 99) return 0;
  return major * 100 + minor;
}

int kernel_version_of(const elf::ElfFile &elf) {
  constexpr std::string_view kPrefix = "Linux version ";
  std::string_view banner = elf.linux_banner();
  return banner.starts_with(kPrefix) ? parse_kernel_version(banner.substr(kPrefix.size())) : 0;
}

std::string kernel_version_text(int v) {
  return v > 0 ? std::to_string(v / 100) + "." + std::to_string(v % 100) : std::string();
}

}  // namespace kfb::kfunc

namespace kfb::kfunc {

namespace {
struct RulesRow {
  LoaderRules rules;
  const char *name;
  int version;
};
constexpr RulesRow kRules[] = {{LoaderRules::V6_1, "6.1", 601},
                               {LoaderRules::V6_18, "6.18", 618},
                               {LoaderRules::V7_2, "7.2", 702},
                               {LoaderRules::V7_3, "7.3", 703}};
}  // namespace

const char *loader_rules_name(LoaderRules r) { return kRules[static_cast<int>(r)].name; }

int loader_rules_version(LoaderRules r) { return kRules[static_cast<int>(r)].version; }

bool loader_rules_by_name(std::string_view name, LoaderRules *out) {
  for (const RulesRow &row : kRules)
    if (name == row.name) {
      *out = row.rules;
      return true;
    }
  return false;
}

LoaderRules loader_rules_for(int version) {
  if (version == 0) return LoaderRules::V7_3;
  LoaderRules best = LoaderRules::V6_1;
  for (const RulesRow &row : kRules)
    if (row.version <= version) best = row.rules;
  return best;
}

LoaderRules emit_loader_rules_for(int version) {
  return version >= 702 ? LoaderRules::V7_3 : LoaderRules::V6_18;
}

}  // namespace kfb::kfunc
