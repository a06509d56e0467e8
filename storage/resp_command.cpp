#include "storage/resp_command.hpp"

#include <charconv>

namespace incident {
namespace {

void append_header(std::string& out, char kind, std::size_t number) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out += kind;
  out.append(digits, end);
  out += "\r\n";
}

}  // namespace

void append_resp_command(std::string& out, const std::vector<std::string>& argv) {
  std::size_t size = 16;
  for (const auto& arg : argv) size += arg.size() + 16;
  out.reserve(out.size() + size);
  append_header(out, '*', argv.size());
  for (const auto& arg : argv) {
    append_header(out, '$', arg.size());
    out += arg;
    out += "\r\n";
  }
}

}  // namespace incident
