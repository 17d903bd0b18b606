// Private to lib/check: the kfunc rules' engine, shared by kfunc_rules.cc (discovery, the
// driver, the entry points), kfunc_rules_kfunc.cc (registration, iterators, twins, per-arg
// flags) and kfunc_rules_scopes.cc (scopes, masks, nesting cycles). The rule ids and what each
// one checks: kfunc_rules.cc's opening comment.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/cname.h"
#include "btf/query.h"
#include "check/kfunc_rules.h"
#include "kfunc/flags.h"
#include "kfunc/kfunc.h"
#include "support/diag.h"
#include "support/vocab.h"

namespace kfb::check::detail {

using btf::Btf;
using btf::Kind;
using btf::Type;

using vocab::kArgTagPrefix;
using vocab::kImplSuffix;
using vocab::kKsymNameLen;
using vocab::kRetTagPrefix;
inline constexpr uint32_t kIterFlags = kfunc::KF_ITER_NEW | kfunc::KF_ITER_NEXT | kfunc::KF_ITER_DESTROY;

struct StopRules {};  // --first: unwinds out of the rules after the first error

// One kfunc under check.
struct KInfo {
  uint32_t id = 0;                // FUNC id
  std::string name;
  const kfunc::Kfunc *k = nullptr;       // its KfuncList entry, if any
  uint32_t flags = 0;             // KF_* when flags_known
  bool flags_known = false;       // listed in a kfunc set
};

class Rules {
 public:
  Rules(const Btf &btf, const kfunc::KfuncList *ks, const KfuncRuleOptions &opt, DiagSink &diags)
      : btf_(btf), ks_(ks), opt_(opt), diags_(diags) {}

  size_t run();
  size_t kfunc_count() const { return kfuncs_.size(); }

 private:
  // --- reporting
  void add(Severity sev, const char *rule, uint32_t id, std::string name, const kfunc::Kfunc *k,
           std::string msg);
  void err(const char *rule, const KInfo &ki, std::string msg) {
    add(Severity::Error, rule, ki.id, ki.name, ki.k, std::move(msg));
  }

  // --- type helpers
  // Through modifiers and typedefs (the rest of the type questions: btf/query.h).
  bool is_ptr(uint32_t id) const {
    return id && btf_.type(btf::skip_mods(btf_, id, btf::Typedefs::Skip)).is_ptr();
  }
  bool is_scalar(uint32_t id) const;
  std::string type_str(uint32_t id) const { return btf::c_type(btf_, id); }  // for messages
  std::optional<Type> proto_of(uint32_t func) const;
  unsigned ptr_size() const { return btf::pointer_size(btf_, opt_.ptr_size); }

  // --- passes
  void collect();
  void registration(const KInfo &ki);
  void iterator(const KInfo &ki, Type proto);
  void set8_flags();
  void twins(const KInfo &ki);
  void tag_components(const KInfo &ki, uint32_t func, const std::string &fname);
  void arg_tags(const KInfo &ki, uint32_t func, const std::string &fname);
  void scopes(const KInfo &ki);
  void cycles();

  // The member of struct `ops` a scope names; on failure `why` says what is wrong.
  uint32_t find_struct(std::string_view ops) const;
  bool check_member(uint32_t st, const std::string &member, uint32_t &bit, std::string &why) const;

  const Btf &btf_;
  const kfunc::KfuncList *ks_;
  const KfuncRuleOptions &opt_;
  DiagSink &diags_;
  size_t errors_ = 0;
  std::vector<KInfo> kfuncs_;  // by FUNC id
  std::set<std::string> kfunc_names_;
  bool emitted_scopes_ = false;  // any mask tag in own types
  // Graph edges (string node names; kfunc nodes are their names).
  std::map<std::string, std::set<std::string>> edges_;
  std::map<std::string, std::pair<std::string, uint32_t>> callbacks_;  // node -> (ops, bit)
  std::map<std::string, const KInfo *> kfunc_by_name_;
};

}  // namespace kfb::check::detail
