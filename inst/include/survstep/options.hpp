// Options as the R front ends spell them -> the core's enums: the one
// string-to-enum lookup (the glue parses each option once; an unknown value
// is the caller's error).
//
//   template <class E, std::size_t N>
//   bool option_from_string(const std::string& s,
//                           const OptionName<E> (&table)[N], E& out);
//       out = the enum of the entry named s; false (out unchanged) when no
//       entry has that name.
#ifndef SURVSTEP_CORE_OPTIONS_HPP
#define SURVSTEP_CORE_OPTIONS_HPP

#include <cstddef>
#include <string>

namespace survstep {
namespace core {

template <class E>
struct OptionName {
  const char* name;
  E value;
};

template <class E, std::size_t N>
bool option_from_string(const std::string& s, const OptionName<E> (&table)[N], E& out) {
  for (const OptionName<E>& o : table) {
    if (s == o.name) {
      out = o.value;
      return true;
    }
  }
  return false;
}

}  // namespace core
}  // namespace survstep

#endif
