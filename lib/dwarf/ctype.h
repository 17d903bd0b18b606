// A C type as DWARF describes it: its C spelling and what it is through typedefs.
//
//   kfb::dwarf::CType t = ...;           // from kfb::dwarf::DwarfReader (dwarf/dwarf.h)
//   t.text                               // "struct bpf_prog_aux *", "u32", "int (*)(void *)"
//   t.type_class == kfb::dwarf::TypeClass::Pointer
//   t.ptr_to_struct                      // "bpf_prog_aux" (pointer to struct, no typedef between)
//
// Spelling follows C declarator syntax the way bpftool's C dump writes it: "const char *",
// "char * const", "void (*)(int)", "u8 [16]"; typedef names are kept, never expanded; an
// anonymous struct prints as "struct {...}".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kfb::dwarf {

// What a C type is, seen through typedefs and modifiers (const/volatile/restrict/_Atomic).
enum class TypeClass : uint8_t {
  Void,     // void (only a return type)
  Pointer,  // pointer, including function pointers (also through typedefs)
  Scalar,   // integer, char, _Bool, enum (also through typedefs)
  Float,    // float, double
  Other,    // struct, union, array, function, unknown
};
const char *type_class_name(TypeClass c);  // "void", "pointer", "scalar", "float", "other"

// The C spelling of an integer base type named by keywords in any order, as DWARF producers
// write them: gcc "long unsigned int" and clang "unsigned long" both give "unsigned long";
// "short int" gives "short", "signed" gives "int", "signed char" stays. "" when `words` is not
// a run of signed/unsigned/short/long/int/char separated by single spaces.
//   kfb::dwarf::c_int_spelling("long long unsigned int")   // "unsigned long long"
std::string c_int_spelling(std::string_view words);

struct CType {
  std::string text;  // C spelling
  TypeClass type_class = TypeClass::Other;
  // When the type, skipping const/volatile/restrict/type_tag but NOT typedefs, is a pointer and
  // its pointee (skipping the same) is a struct: that struct's name ("bpf_prog_aux"). Else "".
  std::string ptr_to_struct;
};

}  // namespace kfb::dwarf
