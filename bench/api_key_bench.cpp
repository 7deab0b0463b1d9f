#include <benchmark/benchmark.h>

#include <string>

#include "common/crypto.h"
#include "domain/api_key.h"

namespace {

void BM_GenerateApiKey(benchmark::State& state) {
    rsolv::crypto::init();
    for (auto _ : state) {
        auto key = rsolv::domain::generateApiKey();
        benchmark::DoNotOptimize(key);
    }
}
BENCHMARK(BM_GenerateApiKey);

void BM_IsWellFormedApiKey(benchmark::State& state) {
    const std::string key = rsolv::domain::generateApiKey().secret;
    for (auto _ : state) {
        bool ok = rsolv::domain::isWellFormedApiKey(key);
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(BM_IsWellFormedApiKey);

void BM_Sha256Hex(benchmark::State& state) {
    const std::string key = rsolv::domain::generateApiKey().secret;
    for (auto _ : state) {
        auto hash = rsolv::crypto::sha256Hex(key);
        benchmark::DoNotOptimize(hash);
    }
}
BENCHMARK(BM_Sha256Hex);

void BM_MaskApiKeysInLogLine(benchmark::State& state) {
    const std::string line = "POST /api/v1/fixes customer=42 key=" + rsolv::domain::generateApiKey().secret +
                             " status=201 duration_ms=12";
    for (auto _ : state) {
        auto masked = rsolv::domain::maskApiKeys(line);
        benchmark::DoNotOptimize(masked);
    }
}
BENCHMARK(BM_MaskApiKeysInLogLine);

}  // namespace

BENCHMARK_MAIN();
