#include <catch2/catch.hpp>

#include "support/Npy.h"

using namespace ingot;

TEST_CASE("npy round-trips every exchanged dtype") {
  Tensor f = Tensor::fromVector<float>({2, 3}, {1.5f, -2, 3, 4, 5, 6.25f});
  Tensor d = Tensor::fromVector<double>({3}, {1e-300, -0.0, 7});
  Tensor i = Tensor::fromVector<int32_t>({1, 2}, {-7, 9});
  Tensor l = Tensor::fromVector<int64_t>({}, {int64_t(1) << 40});
  Tensor b = Tensor::fromVector<bool>({4}, {true, false, false, true});
  for (const Tensor* t : {&f, &d, &i, &l, &b}) {
    auto back = parseNpy(serializeNpy(*t), "mem");
    REQUIRE(back.ok());
    CHECK(back->identical(*t));
  }
}

TEST_CASE("npy header is padded to 64 bytes as numpy writes it") {
  std::string bytes = serializeNpy(Tensor::fromVector<float>({3}, {1, 2, 3}));
  size_t headerLen = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
  CHECK((10 + headerLen) % 64 == 0);
  CHECK(bytes.find("'shape': (3,)") != std::string::npos);
  CHECK(bytes[10 + headerLen - 1] == '\n');
}

TEST_CASE("malformed npy files give errors that name the file and the problem") {
  struct Bad {
    std::string bytes, message;
  };
  std::string good = serializeNpy(Tensor::fromVector<float>({2, 2}, {1, 2, 3, 4}));
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  std::string complex = good;
  complex.replace(complex.find("<f4"), 3, "<c8");
  std::vector<Bad> cases = {
      {"", "bad magic"},
      {"\x93NUMPX\x01\x00", "bad magic"},
      {good.substr(0, 20), "truncated .npy header"},
      {good.substr(0, good.size() - 1), "truncated .npy data"},
      {fortran, "Fortran"},
      {complex, "unsupported .npy dtype '<c8'"},
  };
  for (const auto& c : cases) {
    auto r = parseNpy(c.bytes, "x.npy");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::InvalidInput);
    CHECK_THAT(r.status().message(), Catch::Contains("x.npy") && Catch::Contains(c.message));
  }
}

TEST_CASE("npy truncation at every byte never crashes") {
  std::string good = serializeNpy(Tensor::fromVector<double>({2, 3}, {1, 2, 3, 4, 5, 6}));
  for (size_t n = 0; n < good.size(); ++n) CHECK_FALSE(parseNpy(good.substr(0, n), "t.npy").ok());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    (void)parseNpy(flipped, "f.npy");  // OK or an error; must not crash
  }
}

TEST_CASE("missing npy file is an error") {
  auto r = readNpyFile("/nonexistent/dir/x.npy");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("/nonexistent/dir/x.npy"));
}
