// The verifier log: type, member and var_secinfo lines cut like the kernel's printf, and fail(),
// which keeps the first failure (errno, rule, offset, message, kernel log).
#include "check/loader_impl.h"

#include <optional>
#include <string>
#include <utility>

namespace kfb::check::detail {

// ------------------------------------------------------------------------------------------
// Log text

std::string Loader::details(const Ty *t) {
  switch (t->kind()) {
    case INT: {
      uint32_t d = int_data(t);
      uint8_t enc = (d >> 24) & 0x0f;
      const char *es = enc == 0 ? "(none)" : enc == 1 ? "SIGNED" : enc == 2 ? "CHAR"
                       : enc == 4 ? "BOOL" : "UNKN";
      return piece("size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size_type,
                   (d >> 16) & 0xff, d & 0xff, es);
    }
    case PTR: case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case TYPE_TAG: case FUNC:
      return piece("type_id=%u", t->size_type);
    case ARRAY:
      return piece("type_id=%u index_type_id=%u nr_elems=%u", rd32(t->off + 12),
                   rd32(t->off + 16), rd32(t->off + 20));
    case STRUCT: case UNION: case ENUM: case ENUM64: case DATASEC:
      return piece("size=%u vlen=%u", t->size_type, t->vlen());
    case FWD:
      return t->kflag() ? "union" : "struct";
    case FUNC_PROTO: {
      std::string s = piece("return=%u args=(", t->size_type);
      uint32_t n = t->vlen();
      auto arg = [&](uint32_t i, uint32_t *type) {
        size_t at = t->off + 12 + 8 * size_t(i);
        *type = rd32(at + 4);
        return rd32(at);
      };
      uint32_t ty0;
      if (n == 0) {
        s += "void";
      } else if (arg(0, &ty0), n == 1 && ty0 == 0) {
        s += "vararg";
      } else {
        uint32_t name = arg(0, &ty0);
        s += piece("%u %s", ty0, log_name(name).c_str());
        for (uint32_t i = 1; i + 1 < n; i++) {
          uint32_t at;
          uint32_t nm = arg(i, &at);
          s += piece(", %u %s", at, log_name(nm).c_str());
        }
        if (n > 1) {
          uint32_t lt;
          uint32_t nm = arg(n - 1, &lt);
          s += lt ? piece(", %u %s", lt, log_name(nm).c_str()) : std::string(", vararg");
        }
      }
      return s + ")";
    }
    case VAR:
      return piece("type_id=%u linkage=%u", t->size_type, rd32(t->off + 12));
    case FLOAT:
      return piece("size=%u", t->size_type);
    case DECL_TAG:
      return piece("type=%u component_idx=%d", t->size_type,
                   static_cast<int32_t>(rd32(t->off + 12)));
  }
  return "";
}

std::string Loader::type_line(uint32_t id, const Ty *t, bool with_details,
                              const std::string &msg) {
  std::string s = piece("[%u] %s %s%s", id, kKindStr[t->kind()], log_name(t->name_off).c_str(),
                        with_details ? " " : "");
  if (with_details) s += details(t);
  if (!msg.empty()) s += " " + msg.substr(0, kLogPiece);
  return s + "\n";
}

std::string Loader::member_text(const Ty *st, const Member &m, const std::string &msg) {
  std::string s;
  if (!check_meta_phase_) s = type_line(log_id_, st, true, "");
  if (st->kflag())
    s += piece("\t%s type_id=%u bitfield_size=%u bits_offset=%u", log_name(m.name_off).c_str(),
               m.type, m.offset >> 24, m.offset & 0xffffff);
  else
    s += piece("\t%s type_id=%u bits_offset=%u", log_name(m.name_off).c_str(), m.type,
               m.offset);
  return s + " " + msg.substr(0, kLogPiece) + "\n";
}

int Loader::fail(int err, const char *rule, uint32_t id, const Ty *t, size_t at,
                 std::string reason, std::string message, std::string kernel_log) {
  if (!failed_) {
    failed_ = true;
    res_.ok = false;
    res_.err = err;
    res_.rule = rule;
    res_.type_id = id;
    if (t) {
      res_.kind = t->kind() <= KIND_MAX ? kKindStr[t->kind()] : "";
      auto s = t->name_off ? str(t->name_off) : std::nullopt;
      res_.name = s ? std::string(*s) : std::string();
    }
    res_.offset = at;
    res_.reason = std::move(reason);
    res_.message = std::move(message);
    res_.kernel_log = std::move(kernel_log);
  }
  return -err;
}

int Loader::fail_type(const Ty *t, const std::string &reason, int err, bool basic) {
  const char *rule = check_meta_phase_ ? "loader-meta" : "loader-resolve";
  return fail(err, rule, log_id_, t, t->off, reason, reason,
              type_line(log_id_, t, !basic, reason));
}

int Loader::fail_member(const Ty *st, const Member &m, uint32_t idx, const std::string &reason) {
  std::string who = m.name_off ? strfmt("member '%s'", log_name(m.name_off).c_str())
                               : strfmt("member #%u", idx);
  const char *rule = check_meta_phase_ ? "loader-meta" : "loader-resolve";
  return fail(EINVAL, rule, log_id_, st, m.at, reason, who + ": " + reason,
              member_text(st, m, reason));
}

int Loader::fail_vsi(const Ty *ds, size_t at, uint32_t type, uint32_t off, uint32_t size,
                     const std::string &reason) {
  std::string s;
  if (!check_meta_phase_) s = type_line(log_id_, ds, true, "");
  s += piece("\t type_id=%u offset=%u size=%u", type, off, size) + " " + reason + "\n";
  const char *rule = check_meta_phase_ ? "loader-meta" : "loader-resolve";
  return fail(EINVAL, rule, log_id_, ds, at, reason,
              strfmt("var_secinfo type_id=%u offset=%u size=%u: %s", type, off, size,
                     reason.c_str()),
              s);
}

}  // namespace kfb::check::detail
