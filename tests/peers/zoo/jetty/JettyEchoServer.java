// Echo server on Jetty 9.4 (Debian's libjetty9-java / libjetty9-extra-java),
// native Jetty WebSocket API. permessage-deflate is registered by default in
// Jetty 9.4's WebSocketServerFactory, with its defaults. Usage:
//   java -cp CLASSPATH JettyEchoServer PORT
// Text and binary messages (up to 64 MiB) are echoed with a blocking send, so
// order is kept; pings are answered by Jetty. SIGTERM: the JVM exits (no stop
// at shutdown). Server header: Jetty's own ("Jetty(9.4.x)").
import java.nio.ByteBuffer;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketMessage;
import org.eclipse.jetty.websocket.api.annotations.WebSocket;
import org.eclipse.jetty.websocket.servlet.WebSocketServlet;
import org.eclipse.jetty.websocket.servlet.WebSocketServletFactory;

public class JettyEchoServer {
    static final int MAX_MESSAGE = 64 * 1024 * 1024;

    @WebSocket(maxTextMessageSize = MAX_MESSAGE, maxBinaryMessageSize = MAX_MESSAGE)
    public static class Echo {
        @OnWebSocketMessage
        public void onText(Session session, String message) throws Exception {
            session.getRemote().sendString(message);
        }

        @OnWebSocketMessage
        public void onBinary(Session session, byte[] buf, int offset, int length) throws Exception {
            session.getRemote().sendBytes(ByteBuffer.wrap(buf, offset, length));
        }
    }

    public static class EchoServlet extends WebSocketServlet {
        @Override
        public void configure(WebSocketServletFactory factory) {
            factory.getPolicy().setMaxTextMessageSize(MAX_MESSAGE);
            factory.getPolicy().setMaxBinaryMessageSize(MAX_MESSAGE);
            factory.getPolicy().setMaxTextMessageBufferSize(MAX_MESSAGE);
            factory.getPolicy().setMaxBinaryMessageBufferSize(MAX_MESSAGE);
            factory.getPolicy().setIdleTimeout(3600_000L);
            factory.register(Echo.class);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: JettyEchoServer PORT");
            System.exit(2);
        }
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new EchoServlet()), "/*");
        server.setHandler(context);
        server.start();
        server.join();
    }
}
