// The IDX reader: every dtype with hand-written big-endian bytes, plain and
// gzip files, and every malformed input (an error naming the file and the
// problem, never a crash).
#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tools/data/Idx.h"
#include "temp_dir.h"

using namespace ingot;
namespace fs = std::filesystem;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

using ingot::testing::TempDir;

// Writes `content` gzip-compressed to file `name` in `dir`.
std::string writeGzip(const TempDir& dir, const std::string& name, const std::string& content) {
  std::string p = dir.file(name);
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
  REQUIRE(gzclose(f) == Z_OK);
  return p;
}

std::string readAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The error of reading `path`, which must fail.
std::string errorOf(const std::string& path) {
  auto t = data::readIdxFile(path);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().kind() == ErrorKind::InvalidInput);
  CHECK_THAT(t.status().message(), Catch::Contains(path));
  return t.status().message();
}

// u8 2x3: 1..6
const std::string kU8 = bytes({0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6});

}  // namespace

TEST_CASE("IDX u8 images read plain and gzip-compressed, with the same result") {
  TempDir dir;
  for (bool gz : {false, true}) {
    std::string p = gz ? writeGzip(dir, "a.gz", kU8) : dir.write("a", kU8);
    auto compressed = data::isGzipFile(p);
    REQUIRE(compressed.ok());
    CHECK(*compressed == gz);
    auto t = data::readIdxFile(p);
    INFO(t.status().message());
    REQUIRE(t.ok());
    CHECK(t->dtype() == DType::U8);
    CHECK(t->shape() == Shape{2, 3});
    CHECK(std::vector<uint8_t>(t->values<uint8_t>().begin(), t->values<uint8_t>().end()) ==
          std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
  }
}

TEST_CASE("gzip is detected by its magic bytes, not by the file name") {
  TempDir dir;
  auto plainNamedGz = data::readIdxFile(dir.write("plain.gz", kU8));
  auto gzNamedPlain = data::readIdxFile(writeGzip(dir, "compressed.idx", kU8));
  REQUIRE(plainNamedGz.ok());
  REQUIRE(gzNamedPlain.ok());
  CHECK(plainNamedGz->identical(*gzNamedPlain));
}

TEST_CASE("IDX multi-byte types are big-endian") {
  // Expected values from the bytes by hand: 0x0102 = 258, 0xFFFE = -2,
  // 0x3FC00000 = 1.5f, 0xBFD0000000000000 = -0.25.
  auto i16 = data::parseIdx(bytes({0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE}), "i16");
  REQUIRE(i16.ok());
  CHECK(i16->dtype() == DType::I16);
  CHECK(i16->data<int16_t>()[0] == 258);
  CHECK(i16->data<int16_t>()[1] == -2);

  auto i32 = data::parseIdx(bytes({0, 0, 0x0C, 1, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE}), "i32");
  REQUIRE(i32.ok());
  CHECK(i32->data<int32_t>()[0] == -2);

  auto f32 = data::parseIdx(bytes({0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0}), "f32");
  REQUIRE(f32.ok());
  CHECK(f32->data<float>()[0] == 1.5f);

  auto f64 = data::parseIdx(bytes({0, 0, 0x0E, 1, 0, 0, 0, 1, 0xBF, 0xD0, 0, 0, 0, 0, 0, 0}), "f64");
  REQUIRE(f64.ok());
  CHECK(f64->data<double>()[0] == -0.25);

  auto i8 = data::parseIdx(bytes({0, 0, 0x09, 1, 0, 0, 0, 1, 0x80}), "i8");
  REQUIRE(i8.ok());
  CHECK(i8->data<int8_t>()[0] == -128);
}

TEST_CASE("serializeIdx writes what parseIdx reads back") {
  Tensor t = Tensor::fromVector<float>({2, 2}, {1.5f, -2.f, 0.25f, 1e30f});
  auto s = data::serializeIdx(t);
  REQUIRE(s.ok());
  CHECK(s->substr(0, 12) == bytes({0, 0, 0x0D, 2, 0, 0, 0, 2, 0, 0, 0, 2}));
  CHECK(s->substr(12, 4) == bytes({0x3F, 0xC0, 0, 0}));
  auto back = data::parseIdx(*s, "roundtrip");
  REQUIRE(back.ok());
  CHECK(back->identical(t));
  CHECK_FALSE(data::serializeIdx(Tensor(DType::I64, {2})).ok());
}

TEST_CASE("an IDX file with a zero dim is valid and empty") {
  auto t = data::parseIdx(bytes({0, 0, 0x08, 2, 0, 0, 0, 0, 0, 0, 0, 5}), "empty");
  REQUIRE(t.ok());
  CHECK(t->shape() == Shape{0, 5});
}

TEST_CASE("malformed IDX files are errors that name the file and the problem") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string content;
    const char* problem;
  };
  const std::vector<Case> cases = {
      {"empty", "", "truncated"},
      {"three_bytes", bytes({0, 0, 8}), "truncated"},
      {"bad_magic", bytes({0x12, 0x34, 0x08, 1, 0, 0, 0, 1, 7}), "bad magic 12 34 08 01"},
      {"npy_magic", "\x93NUMPY\x01\x00", "bad magic"},
      {"unsupported_type", bytes({0, 0, 0x0A, 1, 0, 0, 0, 1, 7}), "unsupported IDX type code 0x0a"},
      {"zero_dims", bytes({0, 0, 0x08, 0, 7}), "0 dimensions"},
      {"truncated_header", bytes({0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2}), "truncated header"},
      {"truncated_dim", bytes({0, 0, 0x08, 1, 0, 0}), "truncated header"},
      {"truncated_data", bytes({0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5}),
       "truncated: dims 2x3 of u8 need 6 bytes of data, the file has 5"},
      {"extra_data", bytes({0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7}), "1 extra"},
      {"f32_size_mismatch", bytes({0, 0, 0x0D, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0}),
       "need 8 bytes of data, the file has 6"},
      // 2^32-1 cubed overflows 64 bits; the check must not wrap around.
      {"overflowing_dims",
       bytes({0, 0, 0x0E, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1}),
       "absurd size"},
      {"huge_dims", bytes({0, 0, 0x08, 2, 0x00, 0x10, 0, 0, 0x00, 0x10, 0, 0, 1}), "absurd size"},
      {"lying_dims", bytes({0, 0, 0x08, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2}), "truncated"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name << " (plain)") {
      CHECK_THAT(errorOf(dir.write(c.name, c.content)), Catch::Contains(c.problem));
    }
    // The same problems through the gzip reader, which does not know the
    // data's size up front (the header-only checks give the same message;
    // size checks word it "stream").
    DYNAMIC_SECTION(c.name << " (gzip)") {
      std::string msg = errorOf(writeGzip(dir, std::string(c.name) + ".gz", c.content));
      std::string problem = c.problem;
      if (problem.find("need") != std::string::npos || problem.find("extra") != std::string::npos ||
          problem.rfind("truncated:", 0) == 0)
        problem = problem.find("extra") != std::string::npos ? "1 more" : "truncated";
      CHECK_THAT(msg, Catch::Contains(problem));
    }
  }
}

TEST_CASE("a lying gzip header is rejected without allocating what it claims") {
  TempDir dir;
  // 60000x28x28 u8 declared, 2 bytes present: the reader must not allocate
  // 47 MB up front and must say how much data there was.
  std::string p = writeGzip(dir, "lying.gz", bytes({0, 0, 0x08, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2}));
  CHECK_THAT(errorOf(p), Catch::Contains("need 47040000 bytes of data, the stream ends after 2"));
}

TEST_CASE("corrupt and truncated gzip streams are errors") {
  TempDir dir;
  std::string big = bytes({0, 0, 0x08, 1, 0, 0, 0x10, 0});  // 4096 u8
  for (int i = 0; i < 4096; ++i) big.push_back(static_cast<char>((i * 7919) % 251));
  std::string gz = readAll(writeGzip(dir, "good.gz", big));
  REQUIRE(gz.size() > 40);

  SECTION("cut in the middle of the compressed data") {
    std::string p = dir.write("cut.gz", gz.substr(0, gz.size() / 2));
    std::string msg = errorOf(p);
    CHECK((msg.find("truncated") != std::string::npos || msg.find("gzip") != std::string::npos));
  }
  SECTION("cut before the trailer (checksum missing)") {
    std::string p = dir.write("notrailer.gz", gz.substr(0, gz.size() - 4));
    CHECK_THAT(errorOf(p), Catch::Contains("gzip"));
  }
  SECTION("a flipped bit in the deflate data (checksum mismatch or bad code)") {
    std::string bad = gz;
    bad[gz.size() / 2] = static_cast<char>(bad[gz.size() / 2] ^ 0x10);
    std::string p = dir.write("flipped.gz", bad);
    auto t = data::readIdxFile(p);
    // zlib reports either an invalid code or a CRC mismatch; either way the
    // read fails instead of returning altered pixels.
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.status().message(), Catch::Contains(p));
  }
  SECTION("only the gzip magic") {
    CHECK_THAT(errorOf(dir.write("magic_only.gz", bytes({0x1f, 0x8b}))), Catch::Contains("magic_only.gz"));
  }
}

TEST_CASE("missing files and directories are errors naming the path") {
  TempDir dir;
  CHECK_THAT(errorOf((dir.path / "nope").string()), Catch::Contains("no such file"));
  CHECK_THAT(errorOf(dir.path.string()), Catch::Contains("no such file"));
}
