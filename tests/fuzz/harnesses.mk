# harnesses.mk - the fuzz harnesses, and the proxy/ modules each one links.
#
# Included by the top Makefile (replay_NAME: the harness under the ordinary
# compiler, run over corpus/NAME by `make check`) and by tests/fuzz/Makefile
# (fuzz_NAME: the same harness under clang's libFuzzer). The includer sets
# FUZZ_PROXY_DIR to where proxy/ is from its directory.

FUZZ_NAMES := http sni host config pin forward_proxy explain

fuzzdeps_http    := http http_fields http_chunked util
fuzzdeps_sni     := sni util
fuzzdeps_host    := sni http http_fields http_chunked util
fuzzdeps_config  := config config_check config_keys sni pin certinfo \
                    pki pki_crl pki_files util
fuzzdeps_pin     := pin util
fuzzdeps_explain := story errors log util
# forward_proxy.o calls into workers, the resolver and tunnels: the whole
# daemon (proxy/*.c and the dashboard's generated assets; the one-shot
# commands of proxy/cli/ are not needed).
fuzzdeps_forward_proxy := $(basename $(notdir $(wildcard $(FUZZ_PROXY_DIR)/*.c))) \
                          gen/dashboard_assets

# libFuzzer's -max_len per harness; each harness also caps what it reads.
fuzzlen_http     := 65536
fuzzlen_config   := 65536
fuzzlen_sni      := 8192
fuzzlen_host     := 1024
fuzzlen_pin      := 256
fuzzlen_forward_proxy := 8192
fuzzlen_explain  := 8192
