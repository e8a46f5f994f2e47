// Synchronous echo server on Boost.Beast (Debian's Boost), after Boost's
// example/websocket/server/sync/websocket_server_sync.cpp: one thread per
// connection, read a message, write it back with the same opcode.
// permessage-deflate is enabled with Beast's defaults (server_enable = true).
// TCP_NODELAY is deliberately NOT set: Nagle stays on (used to test ACK delay).
// Usage: beast-sync-echo PORT
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

static void do_session(tcp::socket socket) {
    try {
        websocket::stream<tcp::socket> ws{std::move(socket)};
        websocket::permessage_deflate opt;
        opt.server_enable = true;
        ws.set_option(opt);
        ws.read_message_max(64 * 1024 * 1024);
        ws.set_option(websocket::stream_base::decorator([](websocket::response_type &res) {
            res.set(http::field::server,
                    std::string(BOOST_BEAST_VERSION_STRING) + " beast-sync-echo (wsspec zoo)");
        }));
        ws.accept();
        for (;;) {
            beast::flat_buffer buffer;
            ws.read(buffer);
            ws.text(ws.got_text());
            ws.write(buffer.data());
        }
    } catch (beast::system_error const &se) {
        if (se.code() != websocket::error::closed && se.code() != net::error::eof &&
            se.code() != net::error::connection_reset)
            std::cerr << "beast-sync-echo: " << se.code().message() << std::endl;
    } catch (std::exception const &e) {
        std::cerr << "beast-sync-echo: " << e.what() << std::endl;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        std::cerr << "usage: beast-sync-echo PORT" << std::endl;
        return 2;
    }
    try {
        auto const port = static_cast<unsigned short>(std::atoi(argv[1]));
        net::io_context ioc{1};
        tcp::acceptor acceptor{ioc};
        tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
        acceptor.open(ep.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        for (;;) {
            tcp::socket socket{ioc};
            acceptor.accept(socket);
            std::thread(&do_session, std::move(socket)).detach();
        }
    } catch (std::exception const &e) {
        std::cerr << "beast-sync-echo: " << e.what() << std::endl;
        return 1;
    }
}
