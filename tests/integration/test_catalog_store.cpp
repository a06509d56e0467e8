// Scopes and services against a real redis-server: names are unique, counts
// come from the incident indexes, and an entry in use cannot be deleted.
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

class CatalogStoreTest : public StoreTest {
 protected:
  Result<CatalogView> create_entry(const std::string& kind, const std::string& name) {
    return await_result<Result<CatalogView>>([&](auto done) {
      catalog_->create(kind, CatalogCreateRequest{name, "about " + name}, done);
    });
  }
  Result<CatalogView> get(const std::string& kind, Id id) {
    return await_result<Result<CatalogView>>([&](auto done) { catalog_->get(kind, id, done); });
  }
  Result<CatalogView> remove(const std::string& kind, Id id) {
    return await_result<Result<CatalogView>>([&](auto done) { catalog_->remove(kind, id, done); });
  }
  Result<CatalogView> rename(const std::string& kind, Id id, const std::string& name) {
    return await_result<Result<CatalogView>>([&](auto done) {
      catalog_->update(kind, id, CatalogUpdateRequest{name, FieldUpdate<std::string>::keep()},
                       done);
    });
  }
};

TEST_F(CatalogStoreTest, CreatedEntriesGetIncreasingIdsAndCanBeRead) {
  auto first = create_entry("scope", "France DC01");
  auto second = create_entry("scope", "France DC02");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->entry.id, first->entry.id + 1);
  auto read = get("scope", second->entry.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->entry.name, "France DC02");
  EXPECT_EQ(read->entry.description, "about France DC02");
  EXPECT_EQ(read->incidents_count, 0);
}

TEST_F(CatalogStoreTest, ADuplicateNameIsAConflictNamingTheField) {
  ASSERT_TRUE(create_entry("service", "Database").ok());
  auto duplicate = create_entry("service", "Database");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().kind, ErrorKind::conflict);
  EXPECT_EQ(duplicate.error().reasons.count("name"), 1u);
}

TEST_F(CatalogStoreTest, ScopesAndServicesMayShareANameButNotWithinAKind) {
  EXPECT_TRUE(create_entry("scope", "Shared").ok());
  EXPECT_TRUE(create_entry("service", "Shared").ok());
}

TEST_F(CatalogStoreTest, RenamingFreesTheOldNameAndRefusesATakenOne) {
  auto a = create_entry("scope", "Alpha");
  auto b = create_entry("scope", "Beta");
  EXPECT_FALSE(rename("scope", b->entry.id, "Alpha").ok());
  ASSERT_TRUE(rename("scope", a->entry.id, "Gamma").ok());
  EXPECT_TRUE(create_entry("scope", "Alpha").ok());
  EXPECT_EQ(get("scope", a->entry.id)->entry.name, "Gamma");
}

TEST_F(CatalogStoreTest, AnEntryUsedByIncidentsCannotBeDeletedAndIsCounted) {
  create_scope_and_service();
  create("Incident using scope 1");
  create("Another one");
  EXPECT_EQ(get("scope", 1)->incidents_count, 2);
  auto refused = remove("scope", 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::conflict);
  EXPECT_TRUE(get("scope", 1).ok());
}

TEST_F(CatalogStoreTest, DeletingAnUnusedEntryRemovesItAndItsName) {
  auto created = create_entry("service", "Temporary");
  ASSERT_TRUE(remove("service", created->entry.id).ok());
  EXPECT_EQ(get("service", created->entry.id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(create_entry("service", "Temporary").ok());
  EXPECT_EQ(remove("service", 999).error().kind, ErrorKind::not_found);
}

TEST_F(CatalogStoreTest, EveryRealChangeIsAppendedToTheStreamAndANoOpIsNot) {
  auto created = create_entry("scope", "Feed scope");
  ASSERT_EQ(stream_length(), 1);
  auto message = nlohmann::json::parse(created->feed_message);
  EXPECT_EQ(message["type"], "scope.created");
  EXPECT_EQ(message["scope"]["name"], "Feed scope");
  EXPECT_TRUE(rename("scope", created->entry.id, "Feed scope")->feed_message.empty());
  EXPECT_EQ(stream_length(), 1);
  auto renamed = rename("scope", created->entry.id, "Renamed scope");
  message = nlohmann::json::parse(renamed->feed_message);
  EXPECT_EQ(message["type"], "scope.updated");
  EXPECT_EQ(message["version"], 2);
  EXPECT_EQ(message["changes"]["name"], nlohmann::json::array({"Feed scope", "Renamed scope"}));
  ASSERT_TRUE(remove("scope", created->entry.id).ok());
  EXPECT_EQ(stream_length(), 3);
  EXPECT_FALSE(create_entry("scope", "Renamed scope")->feed_message.empty());
  EXPECT_FALSE(create_entry("scope", "Renamed scope").ok());
  EXPECT_EQ(stream_length(), 4);
}

TEST_F(CatalogStoreTest, ClearingADescriptionThatWasNeverSetChangesNothing) {
  auto created = await_result<Result<CatalogView>>([&](auto done) {
    catalog_->create("service", CatalogCreateRequest{"Bare", std::nullopt}, done);
  });
  auto cleared = await_result<Result<CatalogView>>([&](auto done) {
    catalog_->update("service", created->entry.id,
                     CatalogUpdateRequest{"Bare", FieldUpdate<std::string>::clear()}, done);
  });
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->feed_message.empty());
  EXPECT_EQ(stream_length(), 1);
}

TEST_F(CatalogStoreTest, ListsPageInIdOrder) {
  for (const char* name : {"One", "Two", "Three"}) create_entry("scope", name);
  auto page = await_result<Result<CatalogPage>>([&](auto done) {
    catalog_->list("scope", PageRequest{2, 2}, done);
  });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].entry.name, "Three");
}

}  // namespace
}  // namespace incident::testing
