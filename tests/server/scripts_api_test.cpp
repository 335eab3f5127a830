// GET /api/v1/pipelines, /agents, /scripts and POST /api/v1/scripts/reload.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "api_fixture.h"

using namespace agentry;
using agentry::testing::ApiFixture;
using agentry::testing::FixtureOptions;
using nlohmann::json;

namespace {

const json* find_named(const json& list, const std::string& name) {
  for (const auto& item : list)
    if (item.value("name", "") == name) return &item;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scripts_api)

BOOST_AUTO_TEST_CASE(pipelines_and_agents_describe_the_live_snapshot) {
  ApiFixture api;
  const auto pipelines = api.request("GET", "/api/v1/pipelines").body_json();
  BOOST_TEST(pipelines["version"].is_string());
  const auto* training = find_named(pipelines["pipelines"], "training");
  BOOST_TEST_REQUIRE(training);
  BOOST_TEST((*training)["kind"] == "steps");
  BOOST_TEST((*training)["total_steps"] == 9);
  BOOST_TEST((*training)["steps"][0] == "E1");
  BOOST_TEST((*training)["title"].is_string());
  const auto* full = find_named(pipelines["pipelines"], "full");
  BOOST_TEST_REQUIRE(full);
  BOOST_TEST((*full)["total_steps"] == 18);
  const auto* backlog = find_named(pipelines["pipelines"], "backlog_generation");
  BOOST_TEST_REQUIRE(backlog);
  BOOST_TEST((*backlog)["kind"] == "function");

  const auto agents = api.request("GET", "/api/v1/agents").body_json();
  const auto* e1 = find_named(agents["agents"], "E1");
  BOOST_TEST_REQUIRE(e1);
  BOOST_TEST((*e1)["phase"] == "training");
  BOOST_TEST((*e1)["file"] == "agents/E1.lua");
  BOOST_TEST((*e1)["output"].is_array());
  BOOST_TEST(!(*e1)["output"].empty());
  for (const char* key : {"title", "model"}) BOOST_TEST((*e1)[key].is_string());
}

BOOST_AUTO_TEST_CASE(scripts_lists_files_with_hashes) {
  ApiFixture api;
  const auto scripts = api.request("GET", "/api/v1/scripts").body_json();
  BOOST_TEST(scripts["version"] == api.registry().current()->version);
  BOOST_TEST(scripts["loaded_at"].is_string());
  BOOST_TEST(scripts["errors"].empty());
  bool found = false;
  for (const auto& f : scripts["files"]) {
    BOOST_TEST(f["sha256"].get<std::string>().size() == 64u);
    BOOST_TEST(f["errors"].is_array());
    found = found || f["file"] == "pipelines/full.lua";
  }
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(reload_refuses_a_broken_set_and_keeps_the_old_version) {
  agentry::testing::ScriptDir dir;
  std::filesystem::copy(agentry::testing::shipped_scripts(), dir.path(),
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  FixtureOptions options;
  options.scripts = dir.path();
  ApiFixture api(options);
  const std::string live = api.registry().current()->version;

  const auto unchanged = api.request("POST", "/api/v1/scripts/reload");
  BOOST_TEST_REQUIRE(unchanged.status == 200, unchanged.body);
  BOOST_TEST(unchanged.body_json()["published"] == false);
  BOOST_TEST(unchanged.body_json()["version"] == live);

  std::ifstream in(dir.path() / "agents/E4.lua");
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  dir.write("agents/E4.lua", "return agent {\n  name = 'E4',\n  run = function(input ctx) end,\n}\n");
  const auto broken = api.request("POST", "/api/v1/scripts/reload");
  BOOST_TEST(broken.status == 422);
  BOOST_TEST(broken.error_code() == "script_errors");
  const auto body = broken.body_json();
  BOOST_TEST(body["published"] == false);
  BOOST_TEST(body["version"] == live);
  BOOST_TEST_REQUIRE(!body["errors"].empty());
  BOOST_TEST(body["errors"][0].get<std::string>().rfind("agents/E4.lua:3:", 0) == 0, body["errors"][0]);

  const auto scripts = api.request("GET", "/api/v1/scripts").body_json();
  BOOST_TEST(scripts["version"] == live);
  BOOST_TEST(!scripts["errors"].empty());
  BOOST_TEST(api.create_job("training").size() == 32u);  // the old set still runs

  dir.write("agents/E4.lua", good + "\n-- edited\n");
  const auto fixed = api.request("POST", "/api/v1/scripts/reload");
  BOOST_TEST_REQUIRE(fixed.status == 200, fixed.body);
  BOOST_TEST(fixed.body_json()["published"] == true);
  BOOST_TEST(fixed.body_json()["version"] != live);
  BOOST_TEST(api.request("GET", "/api/v1/scripts").body_json()["errors"].empty());
}

BOOST_AUTO_TEST_SUITE_END()
