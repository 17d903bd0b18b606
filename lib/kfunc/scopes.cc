#include "kfunc/scopes.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>

#include "btf/btf.h"
#include "btf/query.h"
#include "support/diag.h"
#include "support/error.h"

namespace kfb::kfunc {

namespace {

bool is_ident(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

void add_unique(std::vector<OpsMember> &v, OpsMember m) {
  if (std::find(v.begin(), v.end(), m) == v.end()) v.push_back(std::move(m));
}

void error(DiagSink &diags, const std::string &name, const std::string &file, uint32_t line,
           std::string msg) {
  Diag d;
  d.severity = Severity::Error;
  d.rule = "kfunc-scope";
  d.name = name;
  d.file = file;
  d.line = line;
  d.message = std::move(msg);
  diags.add(std::move(d));
}

}  // namespace

ScopeTag scope_tag_kind(std::string_view tag) {
  ScopeTag kind;
  std::string_view rest;
  if (tag.starts_with(kScopeTagPrefix))
    kind = ScopeTag::Scope, rest = tag.substr(kScopeTagPrefix.size());
  else if (tag.starts_with(kCallsTagPrefix))
    kind = ScopeTag::Calls, rest = tag.substr(kCallsTagPrefix.size());
  else
    return ScopeTag::None;
  if (rest.find(':') != std::string_view::npos) return ScopeTag::None;  // mask form
  return kind;
}

bool parse_ops_member(std::string_view text, OpsMember &m, std::string &why) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    why = strfmt("'%.*s' is not <ops_struct>.<member>", static_cast<int>(text.size()), text.data());
    return false;
  }
  std::string_view ops = text.substr(0, dot), member = text.substr(dot + 1);
  if (!is_ident(ops) || !is_ident(member)) {
    why = strfmt("'%.*s' is not <ops_struct>.<member>", static_cast<int>(text.size()), text.data());
    return false;
  }
  m.ops = std::string(ops);
  m.member = std::string(member);
  return true;
}

void scopes_from_tags(Kfunc &k, DiagSink &diags) {
  for (const std::string &t : k.tags) {
    ScopeTag kind = scope_tag_kind(t);
    if (kind == ScopeTag::None) continue;
    std::string_view rest = std::string_view(t).substr(
        kind == ScopeTag::Scope ? kScopeTagPrefix.size() : kCallsTagPrefix.size());
    OpsMember m;
    std::string why;
    if (!parse_ops_member(rest, m, why)) {
      error(diags, k.name, k.file, k.line, strfmt("annotation '%s': %s", t.c_str(), why.c_str()));
      continue;
    }
    m.file = k.file;
    m.line = k.line;
    add_unique(kind == ScopeTag::Scope ? k.scopes : k.calls, std::move(m));
  }
}

namespace {

// "hooks:<set> <hook>...": the program-type hooks the set is registered for. The lines come
// from the whole kernel tree (tools/scopes/gen-hooks), so a set this object does not have is
// no error here.
void hooks_line(const std::vector<std::string_view> &words, const std::string &path, uint32_t lineno,
                std::map<std::string, std::vector<bool>, std::less<>> &set_hooks, DiagSink &diags) {
  std::string set(words[0].substr(6));
  if (set.empty() || words.size() < 2) {
    error(diags, set, path, lineno, "a hooks: line needs a set name and at least one hook (or 'none')");
    return;
  }
  std::vector<bool> &mask = set_hooks[set];
  mask.resize(std::size(vocab::kKfuncHooks));
  for (size_t w = 1; w < words.size(); w++) {
    auto it = std::find(std::begin(vocab::kKfuncHooks), std::end(vocab::kKfuncHooks), words[w]);
    if (it == std::end(vocab::kKfuncHooks)) {
      std::string all;
      for (std::string_view h : vocab::kKfuncHooks) all += (all.empty() ? "" : ", ") + std::string(h);
      error(diags, set, path, lineno,
            strfmt("unknown hook '%s' (one of: %s)", std::string(words[w]).c_str(), all.c_str()));
      continue;
    }
    mask[it - std::begin(vocab::kKfuncHooks)] = true;
  }
}

// A kfunc's hooks are those of all its sets; known only when each of its sets has a line (the
// verifier allows a kfunc wherever any set holding it is registered).
void apply_hooks(const std::map<std::string, std::vector<bool>, std::less<>> &set_hooks, KfuncList &ks) {
  if (set_hooks.empty()) return;
  const size_t none = std::size(vocab::kKfuncHooks) - 1;
  for (Kfunc &k : ks.kfuncs) {
    if (k.sets.empty()) continue;
    std::vector<bool> mask(std::size(vocab::kKfuncHooks));
    bool known = true;
    for (const std::string &s : k.sets) {
      auto it = set_hooks.find(s);
      if (it == set_hooks.end()) {
        known = false;
        break;
      }
      for (size_t i = 0; i < none; i++) mask[i] = mask[i] || it->second[i];
    }
    if (!known) continue;
    k.hooks.clear();
    for (size_t i = 0; i < none; i++)
      if (mask[i]) k.hooks.emplace_back(vocab::kKfuncHooks[i]);
    k.hooks_known = true;
  }
}

// "struct-ops:<set> <ops>...": the set's kfuncs may be called from struct_ops programs of these
// types only (a filter's rule: code, so program mode reads it, emit writes no tag).
void struct_ops_line(const std::vector<std::string_view> &words, const std::string &path, uint32_t lineno,
                     KfuncList &ks, DiagSink &diags, bool module, size_t &skipped) {
  std::string set(words[0].substr(11));
  if (!is_ident(set) || words.size() < 2) {
    error(diags, set, path, lineno, "a struct-ops: line needs a set name and at least one struct_ops type");
    return;
  }
  std::vector<std::string> types;
  for (size_t w = 1; w < words.size(); w++) {
    if (!is_ident(words[w])) {
      error(diags, set, path, lineno, strfmt("'%s' is not a C identifier", std::string(words[w]).c_str()));
      return;
    }
    types.emplace_back(words[w]);
  }
  bool any = false;
  for (Kfunc &k : ks.kfuncs) {
    if (std::find(k.sets.begin(), k.sets.end(), set) == k.sets.end()) continue;
    any = true;
    if (!k.struct_ops_limited) {
      k.struct_ops = types;
      k.struct_ops_limited = true;
    } else {
      std::erase_if(k.struct_ops, [&](const std::string &t) { return std::find(types.begin(), types.end(), t) == types.end(); });
    }
  }
  if (!any) {
    if (module) skipped++;
    else error(diags, set, path, lineno, strfmt("no kfunc set named '%s'", set.c_str()));
  }
}

}  // namespace

size_t apply_scope_file(const std::string &path, std::span<const uint8_t> bytes, KfuncList &ks,
                        DiagSink &diags, bool module) {
  size_t skipped = 0;
  std::string_view all(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  // "members:<set> <kfunc>...": the set's members as the kernel source declares them, for a
  // kernel whose .BTF_ids sets cannot be read (no symbol table: a distribution's vmlinux). A
  // first pass, so that set: lines anywhere in the file can use them; a set the object's own
  // .BTF_ids names is taken from there and the line is not used.
  std::vector<std::string> known_sets;
  for (const Kfunc &k : ks.kfuncs)
    for (const std::string &s : k.sets) known_sets.push_back(s);
  for (std::string_view text = all; !text.empty();) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (!line.starts_with("members:")) continue;
    std::vector<std::string> words;
    for (size_t i = 8; i < line.size();) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) j++;
      if (j > i) words.emplace_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty() || std::find(known_sets.begin(), known_sets.end(), words[0]) != known_sets.end()) continue;
    for (size_t w = 1; w < words.size(); w++)
      if (Kfunc *k = ks.find(words[w]))
        if (std::find(k->sets.begin(), k->sets.end(), words[0]) == k->sets.end()) k->sets.push_back(words[0]);
  }
  std::map<std::string, std::vector<bool>, std::less<>> set_hooks;  // set -> hook index -> registered
  std::string_view text = all;
  uint32_t lineno = 0;
  while (!text.empty()) {
    // A line ends at "\n", "\r\n" or a lone "\r" (a file saved with old Mac line ends is
    // still one entry per line, not one long comment).
    size_t nl = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, nl);
    size_t next = nl == std::string_view::npos ? text.size()
                  : nl + (text[nl] == '\r' && nl + 1 < text.size() && text[nl + 1] == '\n' ? 2 : 1);
    text = text.substr(next);
    lineno++;
    // A NUL is no part of a kfunc or member name: say so, instead of a name cut at it.
    if (line.find('\0') != std::string_view::npos) {
      error(diags, "", path, lineno, "a NUL byte in the line (not a text file?)");
      continue;
    }
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) j++;
      if (j > i) words.push_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty() || words[0].starts_with("members:")) continue;
    if (words[0].starts_with("hooks:")) {
      hooks_line(words, path, lineno, set_hooks, diags);
      continue;
    }
    if (words[0].starts_with("unsupported:")) {  // struct_ops members no program may attach to
      std::string ops(words[0].substr(12));
      if (ops.empty() || words.size() < 2) {
        error(diags, ops, path, lineno, "an unsupported: line needs a struct_ops type and at least one member");
        continue;
      }
      for (size_t w = 1; w < words.size(); w++) {
        OpsMember m;
        std::string why;
        if (!parse_ops_member(ops + "." + std::string(words[w]), m, why)) {
          error(diags, ops, path, lineno, why);
          continue;
        }
        m.file = path;
        m.line = lineno;
        add_unique(ks.unsupported, std::move(m));
      }
      continue;
    }
    if (words[0].starts_with("struct-ops:")) {
      struct_ops_line(words, path, lineno, ks, diags, module, skipped);
      continue;
    }
    if (words[0].starts_with("same-offsets:") || words[0].starts_with("deny:")) {
      bool same = words[0].starts_with("same-offsets:");
      std::string ops(words[0].substr(same ? 13 : 5));
      if (!is_ident(ops) || words.size() < 2 || (same && words.size() != 2)) {
        error(diags, ops, path, lineno,
              same ? "a same-offsets: line is same-offsets:<ops_struct> <ops_struct>"
                   : "a deny: line needs a struct_ops type and at least one kfunc set");
        continue;
      }
      for (size_t w = 1; w < words.size(); w++) {
        std::string other(words[w]);
        bool has_set = same || std::any_of(ks.kfuncs.begin(), ks.kfuncs.end(), [&](const Kfunc &k) {
          return std::find(k.sets.begin(), k.sets.end(), other) != k.sets.end();
        });
        if (!is_ident(other)) {
          error(diags, ops, path, lineno, strfmt("'%s' is not a C identifier", other.c_str()));
        } else if (!has_set) {
          if (module) skipped++;
          else error(diags, other, path, lineno, strfmt("no kfunc set named '%s'", other.c_str()));
        } else {
          (same ? ks.same_offsets : ks.denies).push_back(OpsMember{ops, other, path, lineno});
        }
      }
      continue;
    }
    std::string_view head = words[0];
    bool calls = false, set = false;
    if (head.starts_with("calls:")) calls = true, head = head.substr(6);
    else if (head.starts_with("set:")) set = true, head = head.substr(4);
    std::string name(head);
    if (words.size() < 2) {
      error(diags, name, path, lineno, "no <ops_struct>.<member> after the name");
      continue;
    }
    std::vector<Kfunc *> targets;
    if (set) {
      for (Kfunc &k : ks.kfuncs)
        if (std::find(k.sets.begin(), k.sets.end(), name) != k.sets.end()) targets.push_back(&k);
      if (targets.empty()) {
        if (module) skipped++;
        else error(diags, name, path, lineno, strfmt("no kfunc set named '%s'", name.c_str()));
        continue;
      }
    } else if (Kfunc *k = ks.find(name)) {
      targets.push_back(k);
    } else {
      if (module) skipped++;
      else error(diags, name, path, lineno, strfmt("'%s' is not a kfunc", name.c_str()));
      continue;
    }
    for (size_t w = 1; w < words.size(); w++) {
      OpsMember m;
      std::string why;
      if (!parse_ops_member(words[w], m, why)) {
        error(diags, name, path, lineno, why);
        continue;
      }
      m.file = path;
      m.line = lineno;
      for (Kfunc *k : targets) add_unique(calls ? k->calls : k->scopes, m);
    }
  }
  apply_hooks(set_hooks, ks);
  return skipped;
}

namespace {

// Member name -> byte offset, for the members of struct `id` (0 when absent: an empty map).
std::map<std::string, uint32_t, std::less<>> member_offsets(const btf::Btf &b, uint32_t id) {
  std::map<std::string, uint32_t, std::less<>> out;
  if (!id) return out;
  btf::Type t = b.type(id);
  for (const btf::Member &m : t.members()) out.emplace(std::string(b.str(m.name_off)), m.bit_offset(t.kflag()) / 8);
  return out;
}

}  // namespace

void expand_scope_rules(KfuncList &ks, const btf::Btf &b, DiagSink &diags, bool module) {
  for (const OpsMember &so : ks.same_offsets) {
    // Only when a kfunc here is restricted for <from>: a module's emit (most have no kfunc) does
    // not look up structs in its base, which would read all of the base's types.
    bool wanted = std::any_of(ks.kfuncs.begin(), ks.kfuncs.end(), [&](const Kfunc &k) {
      return std::any_of(k.scopes.begin(), k.scopes.end(), [&](const OpsMember &m) { return m.ops == so.member; });
    });
    if (!wanted) continue;
    uint32_t to_id = btf::find_defined(b, so.ops, btf::Kind::STRUCT);
    uint32_t from_id = btf::find_defined(b, so.member, btf::Kind::STRUCT);
    if (!to_id || !from_id) {
      if (!module)
        error(diags, so.ops, so.file, so.line,
              strfmt("same-offsets: no struct '%s' in BTF", (to_id ? so.member : so.ops).c_str()));
      continue;
    }
    auto from = member_offsets(b, from_id);
    std::map<uint32_t, std::string> to_at;
    for (auto &[name, off] : member_offsets(b, to_id)) to_at.emplace(off, name);
    for (Kfunc &k : ks.kfuncs) {
      bool restricted = false, own = false;  // own: the file names <ops>'s members itself
      std::vector<OpsMember> add;
      for (const OpsMember &m : k.scopes) {
        own = own || m.ops == so.ops;
        if (m.ops != so.member) continue;
        restricted = true;
        auto f = from.find(m.member);
        auto t = f == from.end() ? to_at.end() : to_at.find(f->second);
        if (t != to_at.end()) add.push_back(OpsMember{so.ops, t->second, so.file, so.line});
      }
      if (!restricted || own) continue;
      if (add.empty()) add.push_back(OpsMember{so.ops, "", so.file, so.line});  // none of its slots
      for (OpsMember &m : add) add_unique(k.scopes, std::move(m));
    }
  }
  for (const OpsMember &d : ks.denies)
    for (Kfunc &k : ks.kfuncs) {
      if (std::find(k.sets.begin(), k.sets.end(), d.member) == k.sets.end()) continue;
      std::erase_if(k.scopes, [&](const OpsMember &m) { return m.ops == d.ops; });
      k.scopes.push_back(OpsMember{d.ops, "", d.file, d.line});
    }
}

}  // namespace kfb::kfunc
