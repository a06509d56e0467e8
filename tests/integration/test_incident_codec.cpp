// The Redis form of an incident (pure code, no Redis needed): it round-trips,
// and sort members order exactly as lists must.
#include <gtest/gtest.h>

#include <algorithm>

#include "domain/dates.hpp"
#include "domain/incident_json.hpp"
#include "domain/integers.hpp"
#include "domain/lifecycle.hpp"
#include "storage/canonical_event.hpp"
#include "storage/change_feed.hpp"
#include "storage/incident_codec.hpp"

namespace incident {
namespace {

Incident sample(Id id, const char* start, Status status, Severity severity) {
  Incident incident =
      create_incident(CreateRequest{"Sample incident", "desc", "REF", "https://x.example/1",
                                    severity, 1, 2, parse_date(start)},
                      id, *parse_date("2026-11-27T10:00"));
  incident.status = status;
  return incident;
}

FlatHash flat(const Incident& incident) { return encode_fields(incident); }

TEST(IncidentCodec, AnIncidentRoundTripsThroughItsHashAndEvents) {
  Incident incident = sample(5, "2026-11-27T09:00", Status::stable, Severity::low);
  incident.stable_date = *parse_date("2026-11-27T09:30");
  incident.investigation_date = *parse_date("2026-11-27T09:10");
  incident = add_comment(incident, CommentRequest{"Disk \"full\"\n\x01", true},
                         *parse_date("2026-11-27T09:40"));  // \x01: not in the fast form
  std::vector<std::string> events;
  for (const auto& event : incident.events) events.push_back(encode_event(event));
  auto decoded = decode_incident(flat(incident), events);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, incident);
  // The stored texts kept as the events' JSON show exactly what was written.
  for (Audience audience : {Audience::anonymous, Audience::token_holder})
    EXPECT_EQ(incident_json_text(*decoded, "http://x", audience),
              incident_json_text(incident, "http://x", audience));
}

TEST(IncidentCodec, EventsAreStoredAsTheApiShowsThem) {
  // Readers of the events list (redis-cli, older processes) rely on this text.
  EXPECT_EQ(
      encode_event(Event{"comment", "Disk \"full\"\n", true, *parse_date("2026-11-27T12:00")}),
      R"({"content":"Disk \"full\"\n","creation_date":"2026-11-27T12:00","internal":true,)"
      R"("type":"comment"})");
  auto decoded = decode_event(R"({"type":"update","content":"{}","internal":false,)"
                              R"("creation_date":"2026-11-27T12:01"})");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, (Event{"update", "{}", false, *parse_date("2026-11-27T12:01")}));
}

TEST(IncidentCodec, NullFieldsAreLeftOutOfTheHash) {
  Incident incident = sample(5, "2026-11-27T09:00", Status::active, Severity::low);
  incident.description.reset();
  for (const auto& [field, value] : flat(incident)) {
    EXPECT_NE(field, "description");
    EXPECT_NE(field, "resolve_date");
  }
}

TEST(IncidentCodec, ACorruptHashIsRejectedNotGuessed) {
  FlatHash broken = flat(sample(5, "2026-11-27T09:00", Status::active, Severity::low));
  for (auto& [field, value] : broken)
    if (field == "status") value = "exploded";
  EXPECT_FALSE(decode_incident(broken, {}));
  EXPECT_FALSE(decode_event("{\"type\":\"comment\"}"));
}

TEST(IncidentCodec, AStoredEventDecodesOnlyWithEveryMemberOfTheRightType) {
  const std::string date = R"("creation_date":"2026-11-27T12:00")";
  auto event = decode_event(R"({"internal":false,"extra":{"type":[1,{"a":null}]},)" + date +
                            R"(,"content":"caf\u00e9 \"x\"","type":"comment"})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->content, "caf\xC3\xA9 \"x\"");
  EXPECT_EQ(event->type, "comment");
  EXPECT_FALSE(event->internal);
  const std::string rest = R"(,"content":"x","internal":true,"type":"comment"})";
  EXPECT_TRUE(decode_event("{" + date + rest));
  const std::vector<std::string> unreadable = {
      "[{" + date + rest + "]",                                          // not an object
      "{" + date + rest + " trailing",                                   // not JSON
      "{" + date + R"(,"content":1,"internal":true,"type":"comment"})",  // content not text
      R"({"creation_date":"yesterday")" + rest,                          // not a date
      R"({"creation_date":{"at":1})" + rest,                             // not a date either
      "{" + date + R"(,"content":"x","internal":"yes","type":"comment"})",
      "{" + date + R"(,"content":"x","internal":true,"type":["comment"]})",
      "{" + date + R"(,"content":"x","internal":true})",  // no type
      "",
      "null",
      "{"};
  for (const std::string& broken : unreadable) EXPECT_FALSE(decode_event(broken)) << broken;
}

TEST(CanonicalEvent, ReadsEveryEventInTheWrittenFormAsTheGeneralReaderDoes) {
  const Minute at = *parse_date("2026-11-27T12:00");
  const std::vector<Event> events = {
      {"comment", "Disk \"full\" at C:\\ and /var\n\ttabbed\b\f\r", true, at},
      {"comment", "", false, at},
      {"comment", "caf\xC3\xA9 \xE2\x98\x95 \xF0\x9D\x84\x9E", false, at + 59},
      {"create", R"({"name":"A \"quoted\" name","scope":1})", true, at},
      {"update", "{}", true, *parse_date("1970-01-01T00:00")},
  };
  for (const Event& event : events) {
    const std::string text = encode_event(event);
    const auto fast = read_canonical_event(text);
    ASSERT_TRUE(fast) << text;
    EXPECT_EQ(*fast, event) << text;
    EXPECT_EQ(read_event_members(text), fast) << text;
  }
}

TEST(CanonicalEvent, LeavesOtherFormsToTheGeneralReader) {
  const Event expected{"comment", "caf\xC3\xA9", false, *parse_date("2026-11-27T12:00")};
  const std::vector<std::string> other_forms = {
      R"({"type":"comment","content":"café","internal":false,"creation_date":"2026-11-27T12:00"})",
      R"({"content":"caf\u00e9","creation_date":"2026-11-27T12:00","internal":false,"type":"comment"})",
      R"({ "content":"café","creation_date":"2026-11-27T12:00","internal":false,"type":"comment"})",
      R"({"content":"café","creation_date":"2026-11-27T12:00","internal":false,"type":"comment"} )",
      R"({"content":"café","creation_date":"2026-11-27T12:00","internal":false,"type":"comment","x":1})",
      // Other spellings than ours of the same values:
      R"({"content":"caf\u00e9","creation_date":"2026-11-27 12:00","internal":false,"type":"comment"})",
      R"({"content":"café","creation_date":"2026-11-27T12:00:00","internal":false,"type":"comment"})",
  };
  for (const std::string& text : other_forms) {
    EXPECT_FALSE(read_canonical_event(text)) << text;
    EXPECT_EQ(decode_event(text), expected) << text;
  }
  const std::string solidus =
      R"({"content":"a\/b","creation_date":"2026-11-27T12:00","internal":false,"type":"comment"})";
  EXPECT_FALSE(read_canonical_event(solidus));  // we write '/' as it is
  EXPECT_EQ(decode_event(solidus), (Event{"comment", "a/b", false, expected.creation_date}));
  // A control character other than the short escapes is written as \u00XX.
  const Event control{"comment", "bell\x07", false, *parse_date("2026-11-27T12:00")};
  EXPECT_FALSE(read_canonical_event(encode_event(control)));
  EXPECT_EQ(decode_event(encode_event(control)), control);
}

TEST(CanonicalEvent, RefusesWhatTheGeneralReaderRefuses) {
  const std::string head = R"({"content":")";
  const std::string tail =
      R"(","creation_date":"2026-11-27T12:00","internal":false,"type":"comment"})";
  const std::vector<std::string> unreadable = {
      head + "bad \xFF byte" + tail,      // ill-formed UTF-8
      head + "overlong \xC0\xAF" + tail,  // overlong encoding
      head + "raw\nnewline" + tail,       // a control character unescaped
      head + "bad \\x escape" + tail,     // not a JSON escape
      head + "unterminated",
      R"({"content":"x","creation_date":"2026-13-27T12:00","internal":false,"type":"comment"})",
      R"({"content":"x","creation_date":"2026-11-27T12:00","internal":no,"type":"comment"})",
      R"({"content":"x","creation_date":"2026-11-27T12:00","internal":false,"type":"comment")",
  };
  for (const std::string& text : unreadable) {
    EXPECT_FALSE(read_canonical_event(text)) << text;
    EXPECT_FALSE(decode_event(text)) << text;
  }
}

TEST(IncidentCodec, TheAddedEventIsStoredAsWrittenWhereverItsTextComesFrom) {
  Incident before = sample(5, "2026-11-27T09:00", Status::active, Severity::low);
  Incident after =
      add_comment(before, CommentRequest{"a \"note\"", false}, *parse_date("2026-11-27T09:40"));
  CommitRequest request{"incident.commented", before, after, after.events.front(), {}, {}};
  EXPECT_EQ(new_event_json(request), encode_event(after.events.front()));
  // An event that is not `after`'s newest (never the case for our commits)
  // is written from the event itself.
  request.new_event = Event{"comment", "other", true, *parse_date("2026-11-27T09:41")};
  EXPECT_EQ(new_event_json(request), encode_event(*request.new_event));
}

TEST(IncidentCodec, IndexEntriesOrderByDateDescThenStatusThenSeverityThenIdDesc) {
  std::vector<Incident> expected_order = {
      sample(1, "2026-11-28T00:00", Status::resolved, Severity::minor),
      sample(9, "2026-11-27T12:00", Status::active, Severity::critical),
      sample(8, "2026-11-27T12:00", Status::active, Severity::critical),
      sample(2, "2026-11-27T12:00", Status::active, Severity::high),
      sample(7, "2026-11-27T12:00", Status::investigating, Severity::critical),
      sample(3, "2026-01-01T00:00", Status::active, Severity::critical),
  };
  // Redis' order: by score as a number, then by member's bytes.
  std::vector<std::pair<long long, std::string>> entries;
  for (const auto& incident : expected_order) {
    IndexEntry entry = index_entry(incident);
    entries.emplace_back(*index_score(entry.score), entry.member);
  }
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end()));
  for (std::size_t i = 0; i < entries.size(); ++i)
    EXPECT_EQ(id_of_member(entries[i].second), expected_order[i].id);
}

TEST(IncidentCodec, ScoresAndMembersAreExactInADouble) {
  auto latest = sample(kMaxId, "9999-12-31T23:59", Status::resolved, Severity::minor);
  IndexEntry entry = index_entry(latest);
  EXPECT_EQ(entry.member, "00000000000001");
  EXPECT_EQ(id_of_member(entry.member), kMaxId);
  auto earliest = sample(1, "1970-01-01T00:01", Status::active, Severity::critical);
  long long score = *index_score(index_entry(earliest).score);
  EXPECT_LT(score, 1LL << 53);
  EXPECT_EQ(static_cast<long long>(static_cast<double>(score)), score);
  EXPECT_GT(*index_score(entry.score), 0) << "0 is the earlier form's score";
  EXPECT_EQ(id_of_member("1fffffffffffff"), 1);
  EXPECT_FALSE(id_of_member("00000000000000"));
  EXPECT_FALSE(id_of_member("20000000000000")) << "2^53: id 0";
  EXPECT_FALSE(id_of_member("1FFFFFFFFFFFFF")) << "upper case sorts apart";
  EXPECT_FALSE(id_of_member("1ffffffffffffg"));
  EXPECT_FALSE(id_of_member("9007199254740991")) << "the earlier, decimal form";
  EXPECT_FALSE(id_of_member("0977777777777777:12"));
  EXPECT_FALSE(id_of_member("123"));
  EXPECT_EQ(earlier_index_member(1), "9007199254740991");
  EXPECT_EQ(earlier_index_member(kMaxId), "0000000000000001");
}

TEST(IncidentCodec, MembersOrderByIdDescendingAcrossEveryDigit) {
  const std::vector<Id> ids = {kMaxId, 1LL << 52, 1LL << 32, 65536, 65535, 4096, 256, 255,
                               17,     16,        15,        10,    9,     2,    1};
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    auto higher = index_entry(sample(ids[i], "2026-11-27T12:00", Status::active, Severity::low));
    auto lower = index_entry(sample(ids[i + 1], "2026-11-27T12:00", Status::active, Severity::low));
    EXPECT_EQ(higher.member.size(), kIndexMemberLength);
    EXPECT_LT(higher.member, lower.member) << ids[i] << " before " << ids[i + 1];
    EXPECT_EQ(id_of_member(higher.member), ids[i]);
  }
}

TEST(IncidentCodec, StartDateRangesAreScoreBounds) {
  auto entry_of = [](const char* start) {
    return *index_score(index_entry(sample(5, start, Status::active, Severity::low)).score);
  };
  auto [min, max] =
      start_date_range(parse_date("2026-11-27T12:00"), parse_date("2026-11-28T00:00"));
  long long low = std::stoll(min), high = std::stoll(max.substr(1));
  ASSERT_EQ(max.front(), '(');
  EXPECT_GE(entry_of("2026-11-27T23:59"), low);
  EXPECT_LT(entry_of("2026-11-28T00:00"), low) << "before is exclusive";
  EXPECT_LT(entry_of("2026-11-27T12:00"), high) << "after is inclusive";
  EXPECT_GE(entry_of("2026-11-27T11:59"), high);
  EXPECT_EQ(start_date_range(std::nullopt, std::nullopt),
            std::make_pair(std::string("-inf"), std::string("+inf")));
}

TEST(IncidentCodec, LargeIdsKeepTheirOrder) {
  auto big = sample(9'000'000'000'000LL, "2026-11-27T12:00", Status::active, Severity::low);
  auto small = sample(10, "2026-11-27T12:00", Status::active, Severity::low);
  EXPECT_EQ(index_entry(big).score, index_entry(small).score);
  EXPECT_LT(index_entry(big).member, index_entry(small).member);
  EXPECT_EQ(id_of_member(index_entry(big).member), big.id);
}

}  // namespace
}  // namespace incident
