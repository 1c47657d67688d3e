package dev.attnlab.tracking.mlflow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.Executors;
import java.util.function.ToLongFunction;

/**
 * Fault injection in front of the real server: forwards every request, and holds the answer back
 * for as many milliseconds as {@code delayMillis} says for that request (the server has already
 * done the work, the client just hears late).
 */
final class DelayingProxy implements AutoCloseable {

    private final HttpServer server;

    DelayingProxy(String upstream, ToLongFunction<HttpExchange> delayMillis) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            HttpURLConnection up = (HttpURLConnection) URI.create(upstream + ex.getRequestURI()).toURL().openConnection();
            up.setRequestMethod(ex.getRequestMethod());
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                up.setRequestProperty("Content-Type", type);
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (body.length > 0) {
                up.setDoOutput(true);
                try (OutputStream o = up.getOutputStream()) {
                    o.write(body);
                }
            }
            int code = up.getResponseCode();
            byte[] answer;
            try (InputStream in = code < 400 ? up.getInputStream() : up.getErrorStream()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            }
            long delay = delayMillis.applyAsLong(ex);
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                ex.sendResponseHeaders(code, answer.length == 0 ? -1 : answer.length);
                if (answer.length > 0) {
                    ex.getResponseBody().write(answer);
                }
            } catch (IOException gone) {
                // the client gave up on this one
            }
            ex.close();
        });
        server.start();
    }

    String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
