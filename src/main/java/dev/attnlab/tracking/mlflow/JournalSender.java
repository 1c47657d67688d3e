package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.pipeline.RunLog;
import org.mlflow.api.proto.Service.CreateRun;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sends journal entries to the server in seq order and acknowledges each in the journal. Used
 * by the live tracker and by {@code attnlab sync} alike, so a replay does exactly what the live
 * run would have done.
 */
final class JournalSender {
    /** Tag carrying the client-generated run id, so a retried or replayed creation finds its run. */
    static final String CLIENT_ID_TAG = "attnlab.client_run_id";

    enum Outcome { DONE, UNAVAILABLE, AUTH }

    private final Journal journal;
    private final MlflowRest rest;
    private final RunLog log;
    private Journal.RunRef run;
    private MlflowException lastError;
    private long sent;

    JournalSender(Journal journal, MlflowRest rest, RunLog log) throws IOException {
        this.journal = journal;
        this.rest = rest;
        this.log = log;
        this.run = journal.runRef().orElse(null);
    }

    Optional<Journal.RunRef> run() {
        return Optional.ofNullable(run);
    }

    /** The failure that stopped the last {@link #send}, or null. */
    MlflowException lastError() {
        return lastError;
    }

    /** How many entries the server has taken through this sender. */
    long sentCount() {
        return sent;
    }

    /** Sends {@code entries} in order, removing each sent one; stops at the first that cannot be sent now. */
    Outcome send(List<Journal.Entry> entries) {
        lastError = null;
        Iterator<Journal.Entry> it = entries.iterator();
        while (it.hasNext()) {
            Journal.Entry e = it.next();
            String outcome;
            try {
                outcome = sendOne(e);
            } catch (MlflowException ex) {
                switch (ex.kind()) {
                    case UNAVAILABLE -> {
                        lastError = ex;
                        return Outcome.UNAVAILABLE;
                    }
                    case AUTH -> {
                        lastError = ex;
                        return Outcome.AUTH;
                    }
                    default -> {
                        // the server will never take this entry: record why, keep it in the journal, go on
                        log.warn("MLflow refused journal entry " + e.seq() + " (" + e.type() + "): " + ex.getMessage());
                        outcome = "rejected";
                    }
                }
            }
            journal.ack(e.seq(), outcome);
            if ("ok".equals(outcome)) {
                sent++;
                if ("artifact".equals(e.type())) {
                    // only after the ack: a crash before it must find the file again for the replay
                    deleteQuietly(journal.dir().resolve(e.body().path("file").asText()));
                }
            }
            it.remove();
        }
        return Outcome.DONE;
    }

    private String sendOne(Journal.Entry e) {
        ObjectNode b = e.body();
        switch (e.type()) {
            case "create_run" -> {
                createRun(b);
                return "ok";
            }
            case "batch" -> {
                rest.logBatch(requireRun(e).runId(), metrics(b), params(b), tags(b.path("tags")));
                return "ok";
            }
            case "artifact" -> {
                Path file = journal.dir().resolve(b.path("file").asText());
                if (!Files.isRegularFile(file)) {
                    log.warn("artifact " + b.path("path").asText() + " cannot be uploaded: its staged copy "
                            + file + " is gone");
                    return "missing";
                }
                rest.uploadArtifact(requireRun(e).artifactUri(), b.path("path").asText(), file);
                return "ok";
            }
            case "end" -> {
                rest.endRun(requireRun(e).runId(), RunStatus.valueOf(b.path("status").asText("FINISHED")),
                        b.path("end_time").asLong());
                return "ok";
            }
            default -> throw new MlflowException(MlflowException.Kind.REJECTED, 0, "",
                    "unknown journal entry type " + e.type(), null);
        }
    }

    private void createRun(ObjectNode b) {
        String clientId = b.path("client_run_id").asText();
        String experimentId = rest.experimentId(b.path("experiment").asText());
        CreateRun.Builder req = CreateRun.newBuilder().setExperimentId(experimentId)
                .setStartTime(b.path("start_time").asLong());
        if (!b.path("run_name").asText().isEmpty()) {
            req.setRunName(b.path("run_name").asText());
        }
        req.addAllTags(tags(b.path("tags")));
        req.addTags(RunTag.newBuilder().setKey(CLIENT_ID_TAG).setValue(clientId));
        RunInfo info = rest.createRunOnce(req.build(), CLIENT_ID_TAG, clientId);
        run = new Journal.RunRef(info.getExperimentId(), info.getRunId(), info.getArtifactUri());
        try {
            journal.saveRunRef(run);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot record the MLflow run id in " + journal.dir(), ex);
        }
        log.info("MLflow run: " + runUrl(rest.settings(), run));
    }

    static String runUrl(MlflowSettings settings, Journal.RunRef run) {
        return settings.safeUri() + "/#/experiments/" + run.experimentId() + "/runs/" + run.runId();
    }

    private Journal.RunRef requireRun(Journal.Entry e) {
        if (run == null) {
            throw new MlflowException(MlflowException.Kind.REJECTED, 0, "",
                    "journal entry " + e.seq() + " has no run: the journal in " + journal.dir()
                            + " lacks its create_run entry", null);
        }
        return run;
    }

    private static List<Metric> metrics(ObjectNode b) {
        List<Metric> out = new ArrayList<>();
        for (JsonNode m : b.path("metrics")) {
            JsonNode v = m.get(1);
            double value = v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
            out.add(Metric.newBuilder().setKey(m.get(0).asText()).setValue(value)
                    .setTimestamp(m.get(2).asLong()).setStep(m.get(3).asLong()).build());
        }
        return out;
    }

    private static List<Param> params(ObjectNode b) {
        List<Param> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = b.path("params").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            out.add(Param.newBuilder().setKey(p.getKey()).setValue(p.getValue().asText()).build());
        }
        return out;
    }

    private static List<RunTag> tags(JsonNode tags) {
        List<RunTag> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tags.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            out.add(RunTag.newBuilder().setKey(t.getKey()).setValue(t.getValue().asText()).build());
        }
        return out;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover staged copy costs disk, not correctness
        }
    }
}
