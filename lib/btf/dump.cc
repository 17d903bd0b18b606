// bpftool-compatible dumps. Speed matters (vmlinux: ~127k types, ~10 MB of text): everything
// is appended to one std::string through a hand-rolled decimal formatter; no printf per field.
#include "btf/dump.h"

#include "support/json.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace kfb::btf {

namespace {

// bpftool's kind table: 0 (and anything unknown) prints as "UNKNOWN".
const char *dump_kind_name(unsigned k) {
  return k == 0 || k > kKindMax ? "UNKNOWN" : kind_name(static_cast<Kind>(k));
}

const char *int_encoding_name(uint8_t enc) {
  switch (enc) {
    case 0: return "(none)";
    case INT_SIGNED: return "SIGNED";
    case INT_CHAR: return "CHAR";
    case INT_BOOL: return "BOOL";
    default: return "UNKN";
  }
}

const char *linkage_name(uint32_t l) {
  switch (l) {
    case 0: return "static";
    case 1: return "global";
    case 2: return "extern";
    default: return "(unknown)";
  }
}

// Decimal digits of v, written backwards ending at `end`; returns the first digit.
inline char *format_u(char *end, uint64_t v) {
  char *p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

// The raw dump's output buffer: a raw pointer with one inline capacity check per piece
// (std::string::append costs a call and a check per piece: 25% of the dump's time).
// Literals are copied with their length known at compile time.
class Out {
 public:
  explicit Out(size_t cap) : buf_(cap) {
    p_ = buf_.data();
    end_ = p_ + buf_.size();
  }
  template <size_t N>
  Out &operator<<(const char (&s)[N]) {
    need(N);
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
    return *this;
  }
  Out &operator<<(std::string_view v) {
    need(v.size());
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
    return *this;
  }
  Out &operator<<(char c) {
    need(1);
    *p_++ = c;
    return *this;
  }
  Out &u(uint64_t v) {
    need(20);
    size_t n = 1;
    for (uint64_t t = v; t >= 10; t /= 10) n++;
    p_ += n;
    format_u(p_, v);
    return *this;
  }
  Out &i(int64_t v) {
    if (v < 0) {
      *this << '-';
      return u(0 - static_cast<uint64_t>(v));
    }
    return u(static_cast<uint64_t>(v));
  }
  size_t size() const { return static_cast<size_t>(p_ - buf_.data()); }
  std::string_view view() const { return {buf_.data(), size()}; }
  void clear() { p_ = buf_.data(); }

 private:
  void need(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) grow(n);
  }
  void grow(size_t n) {
    size_t used = size();
    buf_.resize(std::max(buf_.size() * 2, used + n));
    p_ = buf_.data() + used;
    end_ = buf_.data() + buf_.size();
  }
  std::vector<char> buf_;
  char *p_, *end_;
};

// bpftool's btf_str(): 0 is "(anon)", a bad offset "(invalid)".
std::string_view name_of(const Btf &btf, uint32_t off) {
  if (!off) return "(anon)";
  if (!btf.valid_str(off)) return "(invalid)";
  return btf.str(off);
}

void raw_type(const Btf &btf, const Type &t, Out &o) {
  unsigned kind = t.kind_raw();
  o << '[';
  o.u(t.id()) << "] " << dump_kind_name(kind) << " '" << name_of(btf, t.name_off()) << '\'';
  switch (static_cast<Kind>(kind)) {
    case Kind::INT:
      o << " size=";
      o.u(t.size()) << " bits_offset=";
      o.u(t.int_offset()) << " nr_bits=";
      o.u(t.int_bits()) << " encoding=" << int_encoding_name(t.int_encoding());
      break;
    case Kind::PTR:
    case Kind::CONST:
    case Kind::VOLATILE:
    case Kind::RESTRICT:
    case Kind::TYPEDEF:
    case Kind::TYPE_TAG:
      o << " type_id=";
      o.u(t.type());
      break;
    case Kind::ARRAY: {
      const Array &a = t.array();
      o << " type_id=";
      o.u(a.type) << " index_type_id=";
      o.u(a.index_type) << " nr_elems=";
      o.u(a.nelems);
      break;
    }
    case Kind::STRUCT:
    case Kind::UNION: {
      bool kflag = t.kflag();
      o << " size=";
      o.u(t.size()) << " vlen=";
      o.u(t.vlen());
      for (const Member &m : t.members()) {
        o << "\n\t'" << name_of(btf, m.name_off) << "' type_id=";
        o.u(m.type) << " bits_offset=";
        o.u(m.bit_offset(kflag));
        if (uint32_t sz = m.bitfield_size(kflag)) {
          o << " bitfield_size=";
          o.u(sz);
        }
      }
      break;
    }
    case Kind::ENUM: {
      bool sign = t.kflag();
      o << " encoding=" << (sign ? "SIGNED" : "UNSIGNED") << " size=";
      o.u(t.size()) << " vlen=";
      o.u(t.vlen());
      for (const Enum &e : t.enums()) {
        o << "\n\t'" << name_of(btf, e.name_off) << "' val=";
        if (sign) o.i(e.sval());
        else o.u(e.val);
      }
      break;
    }
    case Kind::ENUM64: {
      bool sign = t.kflag();
      o << " encoding=" << (sign ? "SIGNED" : "UNSIGNED") << " size=";
      o.u(t.size()) << " vlen=";
      o.u(t.vlen());
      for (const Enum64 &e : t.enum64s()) {
        o << "\n\t'" << name_of(btf, e.name_off) << "' val=";
        if (sign) o.i(static_cast<int64_t>(e.val())) << "LL";
        else o.u(e.val()) << "ULL";
      }
      break;
    }
    case Kind::FWD:
      o << " fwd_kind=" << (t.kflag() ? "union" : "struct");
      break;
    case Kind::FUNC:
      o << " type_id=";
      o.u(t.type()) << " linkage=" << linkage_name(t.func_linkage());
      break;
    case Kind::FUNC_PROTO:
      o << " ret_type_id=";
      o.u(t.type()) << " vlen=";
      o.u(t.vlen());
      for (const Param &p : t.params()) {
        o << "\n\t'" << name_of(btf, p.name_off) << "' type_id=";
        o.u(p.type);
      }
      break;
    case Kind::VAR:
      o << " type_id=";
      o.u(t.type()) << ", linkage=" << linkage_name(t.var_linkage());
      break;
    case Kind::DATASEC:
      o << " size=";
      o.u(t.size()) << " vlen=";
      o.u(t.vlen());
      for (const VarSecinfo &v : t.secinfos()) {
        o << "\n\ttype_id=";
        o.u(v.type) << " offset=";
        o.u(v.offset) << " size=";
        o.u(v.size);
        if (v.type < btf.type_cnt()) {
          Type vt = btf.type(v.type);
          o << " (" << dump_kind_name(vt.kind_raw()) << " '" << name_of(btf, vt.name_off()) << "')";
        }
      }
      break;
    case Kind::FLOAT:
      o << " size=";
      o.u(t.size());
      break;
    case Kind::DECL_TAG:
      o << " type_id=";
      o.u(t.type()) << " component_idx=";
      o.i(t.component_idx());
      break;
    default:
      break;
  }
  o << '\n';
}

// An enumerator's value as bpftool's JSON has it: 64 bits, a 32-bit ENUM value sign-extended
// (in its unsigned form too).
int64_t json_enum_val(const Enum &e) { return e.sval(); }
int64_t json_enum_val(const Enum64 &e) { return static_cast<int64_t>(e.val()); }

// ENUM and ENUM64: the same fields, values of either width.
template <class E>
void json_enum(const Btf &btf, const Type &t, std::span<const E> values, JsonWriter &j) {
  bool sign = t.kflag();
  j.key("encoding").value(sign ? "SIGNED" : "UNSIGNED");
  j.key("size").value(uint64_t(t.size()));
  j.key("vlen").value(uint64_t(t.vlen()));
  j.key("values");
  j.begin_array();
  for (const E &e : values) {
    j.begin_object();
    j.key("name").value(name_of(btf, e.name_off));
    int64_t v = json_enum_val(e);
    if (sign) j.key("val").value(int64_t(v));
    else j.key("val").value(uint64_t(static_cast<uint64_t>(v)));
    j.end_object();
  }
  j.end_array();
}

void json_type(const Btf &btf, const Type &t, JsonWriter &j) {
  unsigned kind = t.kind_raw();
  j.begin_object();
  j.key("id").value(uint64_t(t.id()));
  j.key("kind").value(dump_kind_name(kind));
  j.key("name").value(name_of(btf, t.name_off()));
  switch (static_cast<Kind>(kind)) {
    case Kind::INT:
      j.key("size").value(uint64_t(t.size()));
      j.key("bits_offset").value(uint64_t(t.int_offset()));
      j.key("nr_bits").value(uint64_t(t.int_bits()));
      j.key("encoding").value(int_encoding_name(t.int_encoding()));
      break;
    case Kind::PTR:
    case Kind::CONST:
    case Kind::VOLATILE:
    case Kind::RESTRICT:
    case Kind::TYPEDEF:
    case Kind::TYPE_TAG:
      j.key("type_id").value(uint64_t(t.type()));
      break;
    case Kind::ARRAY:
      j.key("type_id").value(uint64_t(t.array().type));
      j.key("index_type_id").value(uint64_t(t.array().index_type));
      j.key("nr_elems").value(uint64_t(t.array().nelems));
      break;
    case Kind::STRUCT:
    case Kind::UNION: {
      bool kflag = t.kflag();
      j.key("size").value(uint64_t(t.size()));
      j.key("vlen").value(uint64_t(t.vlen()));
      j.key("members");
      j.begin_array();
      for (const Member &m : t.members()) {
        j.begin_object();
        j.key("name").value(name_of(btf, m.name_off));
        j.key("type_id").value(uint64_t(m.type));
        j.key("bits_offset").value(uint64_t(m.bit_offset(kflag)));
        if (uint32_t sz = m.bitfield_size(kflag)) j.key("bitfield_size").value(uint64_t(sz));
        j.end_object();
      }
      j.end_array();
      break;
    }
    case Kind::ENUM:
      json_enum(btf, t, t.enums(), j);
      break;
    case Kind::ENUM64:
      json_enum(btf, t, t.enum64s(), j);
      break;
    case Kind::FWD:
      j.key("fwd_kind").value(t.kflag() ? "union" : "struct");
      break;
    case Kind::FUNC:
      j.key("type_id").value(uint64_t(t.type()));
      j.key("linkage").value(linkage_name(t.func_linkage()));
      break;
    case Kind::FUNC_PROTO:
      j.key("ret_type_id").value(uint64_t(t.type()));
      j.key("vlen").value(uint64_t(t.vlen()));
      j.key("params");
      j.begin_array();
      for (const Param &p : t.params()) {
        j.begin_object();
        j.key("name").value(name_of(btf, p.name_off));
        j.key("type_id").value(uint64_t(p.type));
        j.end_object();
      }
      j.end_array();
      break;
    case Kind::VAR:
      j.key("type_id").value(uint64_t(t.type()));
      j.key("linkage").value(linkage_name(t.var_linkage()));
      break;
    case Kind::DATASEC:
      j.key("size").value(uint64_t(t.size()));
      j.key("vlen").value(uint64_t(t.vlen()));
      j.key("vars");
      j.begin_array();
      for (const VarSecinfo &v : t.secinfos()) {
        j.begin_object();
        j.key("type_id").value(uint64_t(v.type));
        j.key("offset").value(uint64_t(v.offset));
        j.key("size").value(uint64_t(v.size));
        j.end_object();
      }
      j.end_array();
      break;
    case Kind::FLOAT:
      j.key("size").value(uint64_t(t.size()));
      break;
    case Kind::DECL_TAG:
      j.key("type_id").value(uint64_t(t.type()));
      j.key("component_idx").value(int64_t(t.component_idx()));
      break;
    default:
      break;
  }
  j.end_object();
}

}  // namespace

void dump_raw(const Btf &btf, const DumpSink &sink, size_t chunk) {
  Out o(chunk + 64 * 1024);
  for (uint32_t id = btf.start_id(); id < btf.type_cnt(); id++) {
    raw_type(btf, btf.type(id), o);
    if (o.size() >= chunk) sink(o.view()), o.clear();
  }
  if (o.size()) sink(o.view());
}

void dump_json(const Btf &btf, bool pretty, const DumpSink &sink, size_t chunk) {
  std::string buf;
  buf.reserve(chunk + 64 * 1024);
  JsonWriter j(buf, pretty, JsonWriter::Layout::Bpftool);
  j.begin_object();
  j.key("types");
  j.begin_array();
  for (uint32_t id = btf.start_id(); id < btf.type_cnt(); id++) {
    json_type(btf, btf.type(id), j);
    if (buf.size() >= chunk) sink(buf), buf.clear();
  }
  j.end_array();
  j.end_object();
  j.finish();
  sink(buf);
}

void dump_raw(const Btf &btf, std::string &out) {
  dump_raw(btf, [&](std::string_view s) { out.append(s); });
}

void dump_json(const Btf &btf, std::string &out, bool pretty) {
  dump_json(btf, pretty, [&](std::string_view s) { out.append(s); });
}

}  // namespace kfb::btf
