// Echo server on websocketpp (Debian's libwebsocketpp-dev, Boost.Asio transport)
// with permessage-deflate enabled, after websocketpp's examples/testee_server.
// Usage: websocketpp-echo PORT
//
// Each message is echoed whole with its opcode; pings and closes are handled by
// the library defaults; messages up to 64 MiB. SIGTERM keeps its default
// action (immediate exit).
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/extensions/permessage_deflate/enabled.hpp>
#include <websocketpp/server.hpp>

#include <cstdlib>
#include <iostream>

struct deflate_config : public websocketpp::config::asio {
    typedef deflate_config type;
    typedef websocketpp::config::asio core;

    typedef core::concurrency_type concurrency_type;
    typedef core::request_type request_type;
    typedef core::response_type response_type;
    typedef core::message_type message_type;
    typedef core::con_msg_manager_type con_msg_manager_type;
    typedef core::endpoint_msg_manager_type endpoint_msg_manager_type;
    typedef core::alog_type alog_type;
    typedef core::elog_type elog_type;
    typedef core::rng_type rng_type;
    typedef core::endpoint_base endpoint_base;

    struct transport_config : public core::transport_config {
        typedef core::concurrency_type concurrency_type;
        typedef core::elog_type elog_type;
        typedef core::alog_type alog_type;
        typedef core::request_type request_type;
        typedef core::response_type response_type;
        typedef websocketpp::transport::asio::basic_socket::endpoint socket_type;
    };
    typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;

    static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
    static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;

    static const size_t max_message_size = 64 * 1024 * 1024;

    struct permessage_deflate_config {};
    typedef websocketpp::extensions::permessage_deflate::enabled<permessage_deflate_config>
        permessage_deflate_type;
};

typedef websocketpp::server<deflate_config> server;

int main(int argc, char **argv) {
    if (argc < 2) {
        std::cerr << "usage: websocketpp-echo PORT" << std::endl;
        return 2;
    }
    unsigned short port = static_cast<unsigned short>(std::atoi(argv[1]));
    server s;
    try {
        s.clear_access_channels(websocketpp::log::alevel::all);
        s.clear_error_channels(websocketpp::log::elevel::all);
        s.init_asio();
        s.set_reuse_addr(true);
        s.set_user_agent("websocketpp/0.8.2 (wsspec zoo)");
        s.set_max_message_size(64 * 1024 * 1024);
        s.set_message_handler([&s](websocketpp::connection_hdl hdl, server::message_ptr msg) {
            websocketpp::lib::error_code ec;
            s.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
        });
        s.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), port));
        s.start_accept();
        s.run();
    } catch (websocketpp::exception const &e) {
        std::cerr << "websocketpp-echo: " << e.what() << std::endl;
        return 1;
    } catch (std::exception const &e) {
        std::cerr << "websocketpp-echo: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
