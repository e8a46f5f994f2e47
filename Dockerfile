# An image of wsspec built on nothing that must be pulled: the binary and
# the few shared libraries it links, staged by scripts/docker-image.sh.
#   scripts/docker-image.sh            (builds wsspec:local)
# The binary is also installed as `wstest`, a stand-in for the real
# Autobahn|Testsuite's command (wstest -m fuzzingclient|fuzzingserver -s SPEC).
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
EXPOSE 9001
CMD ["wsspec", "echo-server", "--listen", "0.0.0.0:9001"]
