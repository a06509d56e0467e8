// Our RESP writer produces the bytes hiredis' own formatter produces, for
// text, binary data, empty and large arguments, and several commands in a row.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "storage/resp_command.hpp"

namespace incident {
namespace {

std::string hiredis_format(const std::vector<std::string>& argv) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), pointers.data(),
                                      lengths.data());
  std::string out(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  return out;
}

TEST(RespCommand, WritesWhatHiredisWrites) {
  const std::vector<std::vector<std::string>> commands = {
      {"PING"},
      {"SET", "pm:key", ""},
      {"HSET", "pm:incident:1", "name", "caf\xC3\xA9 \r\n\"quoted\""},
      {"ECHO", std::string("nul\0byte", 8)},
      {"SET", "big", std::string(100000, 'x')},
      {"EVALSHA", "0123456789abcdef0123456789abcdef01234567", "2", "k1", "k2", "a", "b", "c", "d",
       "e", "f", "g", "h", "i"},
  };
  std::string ours, theirs;
  for (const auto& argv : commands) {
    std::string one;
    append_resp_command(one, argv);
    EXPECT_EQ(one, hiredis_format(argv)) << argv[0];
    append_resp_command(ours, argv);
    theirs += hiredis_format(argv);
  }
  EXPECT_EQ(ours, theirs);
}

}  // namespace
}  // namespace incident
