// StreamReader over hiredis: blocking commands on one private connection.
#include "stream_reader.hpp"

#include <hiredis/hiredis.h>

namespace e2e {
namespace {

redisReply* run(redisContext* context, const std::vector<std::string>& argv) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data()));
}

}  // namespace

StreamReader::StreamReader(const std::string& socket_path, std::string stream)
    : stream_(std::move(stream)) {
  context_ = redisConnectUnix(socket_path.c_str());
  if (context_ && context_->err) {
    redisFree(context_);
    context_ = nullptr;
  }
}

StreamReader::~StreamReader() {
  if (context_) redisFree(context_);
}

std::vector<StreamEntry> StreamReader::entries_of(void* raw) {
  auto* reply = static_cast<redisReply*>(raw);
  std::vector<StreamEntry> out;
  if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
    redisReply* entries = reply->element[0]->element[1];
    for (size_t i = 0; i < entries->elements; ++i) {
      redisReply* entry = entries->element[i];
      StreamEntry parsed{entry->element[0]->str, nullptr};
      redisReply* fields = entry->element[1];
      for (size_t f = 0; fields && f + 1 < fields->elements; f += 2)
        if (std::string(fields->element[f]->str) == "data")
          parsed.message = nlohmann::json::parse(fields->element[f + 1]->str, nullptr, false);
      out.push_back(std::move(parsed));
    }
  }
  if (reply) freeReplyObject(reply);
  return out;
}

std::vector<StreamEntry> StreamReader::read_after(const std::string& last_id, int count,
                                                  int block_ms) {
  return entries_of(run(context_, {"XREAD", "COUNT", std::to_string(count), "BLOCK",
                                   std::to_string(block_ms), "STREAMS", stream_, last_id}));
}

bool StreamReader::create_group(const std::string& group) {
  redisReply* reply = run(context_, {"XGROUP", "CREATE", stream_, group, "0", "MKSTREAM"});
  bool ok = reply && reply->type == REDIS_REPLY_STATUS;
  if (reply) freeReplyObject(reply);
  return ok;
}

std::vector<StreamEntry> StreamReader::read_group(const std::string& group,
                                                  const std::string& consumer,
                                                  const std::string& id, int count, int block_ms) {
  return entries_of(
      run(context_, {"XREADGROUP", "GROUP", group, consumer, "COUNT", std::to_string(count),
                     "BLOCK", std::to_string(block_ms), "STREAMS", stream_, id}));
}

bool StreamReader::ack(const std::string& group, const std::string& id) {
  redisReply* reply = run(context_, {"XACK", stream_, group, id});
  bool ok = reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
  if (reply) freeReplyObject(reply);
  return ok;
}

long long StreamReader::length() {
  redisReply* reply = run(context_, {"XLEN", stream_});
  long long length = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
  if (reply) freeReplyObject(reply);
  return length;
}

}  // namespace e2e
