// The one streaming JSON writer (compact or pretty), for every command's output and for dump's
// bpftool-compatible layout.
//
//   kfb::JsonWriter j(out, /*pretty=*/true);
//   j.begin_object();
//   j.key("name").value("bpf_obj_new");
//   j.key("params").begin_array(); j.value(1); j.end_array();
//   j.end_object();
//   j.finish();              // adds the final newline
//
// Strings are escaped per RFC 8259 and always valid UTF-8: well-formed UTF-8 is copied, and each
// byte that is not part of a well-formed sequence (BTF names are raw bytes) is written as the
// escape of the Latin-1 character with its value (0xe9 -> \u00e9). Pretty output indents by 4
// and puts each key and each closing bracket on its own line; Layout::Bpftool is exactly
// bpftool's json_writer.c, which also keeps array elements on the line of the one before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kfb {

class JsonWriter {
 public:
  enum class Layout : uint8_t { Plain, Bpftool };
  JsonWriter(std::string &out, bool pretty, Layout layout = Layout::Plain)
      : out_(out), pretty_(pretty), bpftool_(layout == Layout::Bpftool) {}

  JsonWriter &begin_object();
  JsonWriter &end_object();
  JsonWriter &begin_array();
  JsonWriter &end_array();
  JsonWriter &key(std::string_view k);
  JsonWriter &value(std::string_view s);
  JsonWriter &value(const char *s) { return value(std::string_view(s)); }
  JsonWriter &value(const std::string &s) { return value(std::string_view(s)); }
  JsonWriter &value(bool b);
  JsonWriter &value(int64_t v);
  JsonWriter &value(uint64_t v);
  JsonWriter &value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter &value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter &value(long long v) { return value(static_cast<int64_t>(v)); }
  JsonWriter &value(unsigned long long v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter &null();
  JsonWriter &raw(std::string_view json);  // a pre-formatted value
  void finish() { out_ += '\n'; }

  static void escape(std::string &out, std::string_view s);

 private:
  void before_value();
  void newline();

  struct Level {
    bool array;
    bool empty = true;
  };
  std::string &out_;
  bool pretty_;
  bool bpftool_;
  bool after_key_ = false;
  std::vector<Level> stack_;
};

}  // namespace kfb
