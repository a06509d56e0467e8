// CatalogStore: scope/service CRUD through the catalog_* scripts.
#include "storage/catalog_store.hpp"

#include "domain/dates.hpp"
#include "domain/integers.hpp"
#include "storage/incident_store.hpp"
#include "storage/scripts.hpp"

namespace incident {
namespace {

std::string capitalized(const std::string& kind) {
  std::string out = kind;
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

Error not_found(const std::string& kind) {
  return Error{ErrorKind::not_found, capitalized(kind) + " not found", {}};
}

Error duplicate_name(const std::string& kind) {
  return field_error(ErrorKind::conflict, capitalized(kind) + " name already used", "name",
                     "A " + kind + " with this name already exists.");
}

std::optional<CatalogEntry> decode_entry(const RedisValue& hash) {
  CatalogEntry entry;
  bool has_id = false;
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& field = hash.elements[i].str;
    const std::string& value = hash.elements[i + 1].str;
    if (field == "id") {
      auto id = parse_id(value);
      if (!id) return std::nullopt;
      entry.id = *id;
      has_id = true;
    } else if (field == "name") {
      entry.name = value;
    } else if (field == "description") {
      entry.description = value;
    }
  }
  if (!has_id) return std::nullopt;
  return entry;
}

std::string now_text() { return format_date(now_minute()); }

bool is_status_array(const RedisValue& reply) {
  return reply.type == RedisValue::Type::array && !reply.elements.empty();
}

}  // namespace

void CatalogStore::get(const std::string& kind, Id id, Done done) {
  pipeline_.eval(scripts::catalog_load(), {keys_.catalog(kind, id), keys_.index_catalog(kind, id)},
                 {}, [kind, done = std::move(done)](const RedisValue& reply) {
                   if (reply.io_failure || reply.elements.size() != 2)
                     return done(storage_unavailable());
                   auto entry = decode_entry(reply.elements[0]);
                   if (!entry) return done(not_found(kind));
                   done(CatalogView{std::move(*entry), reply.elements[1].integer, ""});
                 });
}

void CatalogStore::list(const std::string& kind, const PageRequest& page,
                        std::function<void(Result<CatalogPage>)> done) {
  long long start = page.offset(), stop = start + page.per_page - 1;
  pipeline_.eval(
      scripts::catalog_page(), {keys_.catalog_all(kind)},
      {std::to_string(start), std::to_string(stop), keys_.catalog_prefix(kind),
       keys_.index_catalog_prefix(kind)},
      [done = std::move(done)](const RedisValue& reply) {
        if (reply.io_failure || reply.elements.size() != 2) return done(storage_unavailable());
        CatalogPage result;
        result.total = reply.elements[0].integer;
        for (const auto& pair : reply.elements[1].elements) {
          auto entry = decode_entry(pair.elements[0]);
          if (entry)
            result.items.push_back(CatalogView{std::move(*entry), pair.elements[1].integer, ""});
        }
        done(std::move(result));
      });
}

void CatalogStore::create(const std::string& kind, const CatalogCreateRequest& request, Done done) {
  writes().submit({"INCR", keys_.catalog_next_id(kind)},
                  [this, kind, request, done = std::move(done)](const RedisValue& reply) {
                    if (reply.type != RedisValue::Type::integer) return done(storage_unavailable());
                    if (guard_) guard_->note_reserved(keys_.catalog_next_id(kind), reply.integer);
                    CatalogEntry entry{reply.integer, request.name, request.description};
                    writes().eval(scripts::catalog_create(),
                                  {keys_.catalog(kind, entry.id), keys_.catalog_names(kind),
                                   keys_.catalog_all(kind), keys_.change_stream()},
                                  {std::to_string(entry.id), entry.name,
                                   entry.description.value_or(""), entry.description ? "1" : "0",
                                   kind, now_text(), std::to_string(feed_.stream_max_length)},
                                  [kind, entry, done](const RedisValue& created) {
                                    if (created.io_failure) return done(write_failure(created));
                                    if (!is_status_array(created))
                                      return done(storage_unavailable());
                                    if (created.elements[0].str == "duplicate")
                                      return done(duplicate_name(kind));
                                    done(CatalogView{entry, 0, created.elements[1].str});
                                  });
                  });
}

void CatalogStore::update(const std::string& kind, Id id, const CatalogUpdateRequest& request,
                          Done done) {
  const char* mode = !request.description.present ? "keep"
                     : request.description.value  ? "set"
                                                  : "clear";
  writes().eval(scripts::catalog_update(),
                {keys_.catalog(kind, id), keys_.catalog_names(kind), keys_.change_stream()},
                {std::to_string(id), request.name, mode, request.description.value.value_or(""),
                 kind, now_text(), std::to_string(feed_.stream_max_length)},
                [this, kind, id, done = std::move(done)](const RedisValue& reply) {
                  if (reply.io_failure) return done(write_failure(reply));
                  if (!is_status_array(reply)) return done(storage_unavailable());
                  const std::string& status = reply.elements[0].str;
                  if (status == "missing") return done(not_found(kind));
                  if (status == "duplicate") return done(duplicate_name(kind));
                  std::string message = reply.elements[1].str;
                  get(kind, id, [done, message](Result<CatalogView> view) {
                    if (view) view->feed_message = message;
                    done(std::move(view));
                  });
                });
}

void CatalogStore::remove(const std::string& kind, Id id, Done done) {
  writes().eval(
      scripts::catalog_delete(),
      {keys_.catalog(kind, id), keys_.catalog_names(kind), keys_.catalog_all(kind),
       keys_.index_catalog(kind, id), keys_.change_stream()},
      {std::to_string(id), kind, now_text(), std::to_string(feed_.stream_max_length)},
      [kind, id, done = std::move(done)](const RedisValue& reply) {
        if (reply.io_failure) return done(write_failure(reply));
        if (!is_status_array(reply)) return done(storage_unavailable());
        const std::string& status = reply.elements[0].str;
        if (status == "missing") return done(not_found(kind));
        if (status == "in_use")
          return done(Error{
              ErrorKind::conflict,
              capitalized(kind) + " is still used by incidents",
              {{kind,
                {"Used by " + std::to_string(reply.elements[1].integer) + " incident(s)."}}}});
        auto entry = decode_entry(reply.elements[1]);
        done(CatalogView{entry.value_or(CatalogEntry{id, "", std::nullopt}), 0,
                         reply.elements[2].str});
      });
}

}  // namespace incident
