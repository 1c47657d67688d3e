package dev.attnlab.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.io.AtomicFiles;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (what PyTorch's {@code safetensors.torch.load_file} reads): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, then
 * the raw little-endian, row-major data. Float32 and float64 tensors.
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() { }

    /** Writes {@code tensors} (in map order) to {@code file} atomically: a temp file, then a rename. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", code(a.dataType(), e.getKey()));
            var shape = t.putArray("shape");
            for (long s : a.shape()) shape.add(s);
            long bytes = a.length() * a.dataType().width();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;                 // keep the data 8-byte aligned
        byte[] head = new byte[padded];
        java.util.Arrays.fill(head, (byte) ' ');
        System.arraycopy(json, 0, head, 0, json.length);

        AtomicFiles.write(file, tmp -> {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(head);
                for (INDArray a : tensors.values()) {
                    INDArray c = a.dup('c');
                    ByteBuffer bb;
                    if (a.dataType() == DataType.DOUBLE) {
                        double[] v = c.data().asDouble();
                        bb = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                        bb.asDoubleBuffer().put(v);
                    } else {
                        float[] v = c.data().asFloat();
                        bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                        bb.asFloatBuffer().put(v);
                    }
                    out.write(bb.array());
                }
            }
        });
    }

    /** Reads every tensor of {@code file}, in header order. */
    public static Map<String, INDArray> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new IOException(file + ": not a safetensors file (shorter than 8 bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > Math.min(size - 8, 100_000_000)) {
                throw new IOException(file + ": not a safetensors file (header length " + headerLen + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
            long base = 8 + headerLen;
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = t.path("shape").get(i).asLong();
                long from = t.path("data_offsets").get(0).asLong(), to = t.path("data_offsets").get(1).asLong();
                long n = 1;
                for (long s : shape) n *= s;
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F64" -> 8;
                    default -> throw new IOException(file + ": tensor " + e.getKey() + " has dtype " + dtype
                            + "; only F32 and F64 are supported (convert with tensor.float())");
                };
                if (to - from != n * width || base + to > size) {
                    throw new IOException(file + ": tensor " + e.getKey() + " has inconsistent data_offsets");
                }
                ByteBuffer data = ByteBuffer.allocate((int) (to - from)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, base + from);
                data.flip();
                INDArray a;
                if (width == 8) {
                    double[] v = new double[(int) n];
                    data.asDoubleBuffer().get(v);
                    a = Nd4j.create(v, shape, DataType.DOUBLE);
                } else {
                    float[] v = new float[(int) n];
                    data.asFloatBuffer().get(v);
                    a = Nd4j.create(v, shape, DataType.FLOAT);
                }
                out.put(e.getKey(), a);
            }
            return out;
        }
    }

    /** The {@code __metadata__} strings of {@code file} (empty when it has none). */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            ByteBuffer hb = ByteBuffer.allocate((int) lenBuf.flip().getLong());
            readFully(ch, hb, 8);
            JsonNode meta = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim()).path("__metadata__");
            Map<String, String> out = new LinkedHashMap<>();
            meta.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        }
    }

    private static String code(DataType t, String name) {
        return switch (t) {
            case FLOAT -> "F32";
            case DOUBLE -> "F64";
            default -> throw new IllegalArgumentException("tensor " + name + ": cannot store dtype " + t);
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) throw new IOException("unexpected end of file");
            pos += n;
        }
    }
}
