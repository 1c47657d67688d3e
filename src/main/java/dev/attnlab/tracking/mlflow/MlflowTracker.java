package dev.attnlab.tracking.mlflow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnlab.pipeline.RunLog;
import dev.attnlab.tracking.RunStatus;
import dev.attnlab.tracking.Tracker;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A {@link Tracker} for one MLflow run. Calls only enqueue (training never waits on HTTP); a
 * background thread journals what was enqueued (see {@link Journal}) about once a second, in
 * log-batch sized entries, then sends the journal to the server. When the server is unreachable
 * the run goes on: entries stay journaled, the thread probes the server with growing pauses and
 * catches up when it answers; whatever is left at close is replayed by {@code attnlab sync}.
 * It installs no shutdown hook: its owner closes it, on Ctrl-C too (the runner's hook does, after a
 * stage that can stop has logged its way out), with {@code run.status} saying how the run ended.
 */
public final class MlflowTracker implements Tracker {
    private sealed interface Item permits MetricItem, ParamItem, TagItem, ArtifactItem, EndItem, FlushItem { }

    private record MetricItem(String key, double value, long timestamp, long step) implements Item { }

    private record ParamItem(String key, String value) implements Item { }

    private record TagItem(String key, String value) implements Item { }

    private record ArtifactItem(String stagedFile, String path) implements Item { }

    private record EndItem(String status, long endTime) implements Item { }

    private record FlushItem(CountDownLatch done) implements Item { }

    /** Timing knobs; tests shorten them. */
    record Options(Duration drainInterval, Duration flushTimeout, Duration closeTimeout,
                   Duration firstRetry, Duration maxRetry, Duration systemMetricsInterval) {
        static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60),
                    Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(10));
        }
    }

    private final Journal journal;
    private final JournalSender sender;
    private final MlflowRest rest;
    private final RunLog log;
    private final Options options;
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final Map<String, String> loggedParams = new ConcurrentHashMap<>();
    private final AtomicLong stagedCount = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object wake = new Object();
    private final Thread thread;
    private final List<Thread> companions = new ArrayList<>();
    private SystemMetricsPublisher systemMetrics;
    private volatile String status;
    private volatile boolean stopping;
    /** Cleared by close() after the last system-metrics snapshot; later calls are dropped. */
    private volatile boolean accepting = true;
    /** Held while queued items move into the journal: by the sender, or by close() when the sender is stuck. */
    private final Object drainLock = new Object();
    private boolean drainingFromClose; // guarded by drainLock

    // sender-thread state
    private List<Journal.Entry> pending = new ArrayList<>();
    private boolean reloadFromJournal = true;
    private boolean offline;
    private boolean authFailed;
    private long nextAttemptNanos;
    private Duration retryPause;

    MlflowTracker(Journal journal, JournalSender sender, MlflowRest rest, RunLog log, Options options) {
        this.journal = journal;
        this.sender = sender;
        this.rest = rest;
        this.log = log;
        this.options = options;
        this.retryPause = options.firstRetry();
        this.thread = new Thread(this::senderLoop, "mlflow-sender");
        this.thread.setDaemon(true);
    }

    /**
     * Sends what the journal holds now (the run creation first) and starts the background thread.
     *
     * @throws MlflowException of kind AUTH when the server refuses the credentials
     */
    void start() {
        sendNow();
        if (authFailed) {
            MlflowException e = sender.lastError();
            journal.close();
            throw e;
        }
        thread.start();
    }

    void startSystemMetrics() {
        systemMetrics = new SystemMetricsPublisher(this, options.systemMetricsInterval(), log);
    }

    /** A thread (e.g. syncing earlier runs) that close() waits for. */
    void addCompanion(Thread t) {
        companions.add(t);
    }

    /** The run's MLflow address, once the run exists on the server. */
    public java.util.Optional<String> runUrl() {
        return sender.run().map(r -> JournalSender.runUrl(rest.settings(), r));
    }

    @Override
    public void logParams(Map<String, String> params) {
        params.forEach((k, v) -> {
            String key = MlflowLimits.key(k);
            String value = MlflowLimits.paramValue(v);
            String before = loggedParams.putIfAbsent(key, value);
            if (before == null) {
                enqueue(new ParamItem(key, value));
            } else if (!before.equals(value)) {
                // MLflow params are write-once; a changed value would make the server refuse the whole batch
                log.warn("param " + key + " was already logged as '" + before + "'; MLflow keeps the first value");
            }
        });
    }

    @Override
    public void logMetric(String key, double value, long step) {
        enqueue(new MetricItem(MlflowLimits.key(key), value, System.currentTimeMillis(), step));
    }

    @Override
    public void setTag(String key, String value) {
        RunStatus.fromTag(key, value).ifPresent(s -> status = s);
        enqueue(new TagItem(MlflowLimits.key(key), MlflowLimits.tagValue(value)));
    }

    @Override
    public void logArtifact(Path file, String artifactDir) {
        if (closed.get()) {
            return;
        }
        String dir = artifactDir == null ? "" : artifactDir.replaceAll("^/+|/+$", "");
        if (Files.isDirectory(file)) {
            try (Stream<Path> files = Files.walk(file)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    String rel = file.relativize(f.getParent()).toString().replace('\\', '/');
                    logArtifact(f, rel.isEmpty() ? dir + "/" + file.getFileName() : dir + "/" + file.getFileName() + "/" + rel);
                }
            } catch (IOException e) {
                log.warn("cannot list artifact folder " + file + ": " + e.getMessage());
            }
            return;
        }
        if (!Files.isRegularFile(file)) {
            log.warn("artifact " + file + " does not exist; not logged to MLflow");
            return;
        }
        String name = file.getFileName().toString();
        String path = dir.isEmpty() ? name : dir + "/" + name;
        // Stage now: stages write into a temp dir that is renamed afterwards, and an offline
        // run's artifacts must outlive the process. A hard link costs nothing; copy if it fails.
        String staged = "staged/" + stagedCount.incrementAndGet() + "-" + System.nanoTime() + "-" + name;
        Path target = journal.dir().resolve(staged);
        try {
            try {
                Files.createLink(target, file);
            } catch (FileSystemException | UnsupportedOperationException e) {
                Files.copy(file, target);
            }
        } catch (IOException e) {
            log.warn("cannot stage artifact " + file + " for MLflow: " + e.getMessage());
            return;
        }
        enqueue(new ArtifactItem(staged, path));
    }

    /** Journals everything logged so far and sends it, waiting at most the flush timeout. */
    @Override
    public void flush() {
        if (closed.get()) {
            return;
        }
        awaitFlush(options.flushTimeout());
    }

    private boolean awaitFlush(Duration timeout) {
        FlushItem f = new FlushItem(new CountDownLatch(1));
        queue.add(f);
        wakeSender();
        try {
            return f.done().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (systemMetrics != null) {
            systemMetrics.close(); // publishes a last snapshot before the run ends
        }
        accepting = false;
        String end = status != null ? status : RunStatus.FINISHED;
        queue.add(new EndItem(end, System.currentTimeMillis()));
        stopping = true;
        wakeSender();
        joinQuietly(thread, options.closeTimeout());
        boolean senderStuck = thread.isAlive();
        if (senderStuck) {
            // still sending (a slow server): journal what is queued, the end included, so the journal
            // is complete and `attnlab sync` sends it; a journal without its end would read as a killed run
            synchronized (drainLock) {
                drainingFromClose = true;
                drainToJournal();
                drainingFromClose = false;
            }
        }
        for (Thread t : companions) {
            joinQuietly(t, options.closeTimeout());
        }
        int left = unackedCount();
        if (left > 0) {
            String why = authFailed ? "the server refused the credentials"
                    : senderStuck ? "the server was still taking earlier entries when the run closed"
                    : "the server was unreachable";
            log.warn(left + " MLflow journal entries of this run are not on " + rest.settings().safeUri()
                    + " (" + why + "); they are kept in " + journal.dir() + "; send them with `attnlab sync "
                    + journal.dir().getParent() + "`");
        } else {
            runUrl().ifPresent(url -> log.info("MLflow run " + end + ": " + url));
        }
        journal.close();
        rest.close();
    }

    private int unackedCount() {
        try {
            return journal.unacked().size();
        } catch (IOException e) {
            return -1;
        }
    }

    private void enqueue(Item item) {
        if (accepting) {
            queue.add(item);
        }
    }

    private void wakeSender() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void senderLoop() {
        while (true) {
            boolean stop = stopping;
            if (!stop) {
                synchronized (wake) {
                    try {
                        if (queue.isEmpty()) {
                            wake.wait(options.drainInterval().toMillis());
                        }
                    } catch (InterruptedException e) {
                        stop = true;
                    }
                }
                stop |= stopping;
            }
            List<FlushItem> flushes = drainToJournal();
            if (stop) {
                nextAttemptNanos = 0; // one last attempt even when offline
            }
            sendNow();
            flushes.forEach(f -> f.done().countDown());
            if (stop && queue.isEmpty()) {
                return;
            }
        }
    }

    /** Moves queued items into journal entries, cutting log-batches at the server's limits. */
    private List<FlushItem> drainToJournal() {
        synchronized (drainLock) {
            return drainQueue();
        }
    }

    private List<FlushItem> drainQueue() {
        List<FlushItem> flushes = new ArrayList<>();
        BatchBuilder batch = new BatchBuilder();
        Item item;
        while ((item = queue.poll()) != null) {
            if (item instanceof MetricItem m) {
                if (!batch.fitsMetric()) {
                    append(batch.take());
                }
                batch.metric(m);
            } else if (item instanceof ParamItem p) {
                if (!batch.fitsParam()) {
                    append(batch.take());
                }
                batch.param(p);
            } else if (item instanceof TagItem t) {
                if (!batch.fitsTag()) {
                    append(batch.take());
                }
                batch.tag(t);
            } else if (item instanceof ArtifactItem a) {
                append(batch.take());
                ObjectNode body = Journal.JSON.createObjectNode();
                body.put("file", a.stagedFile());
                body.put("path", a.path());
                appendEntry("artifact", body);
            } else if (item instanceof EndItem e) {
                append(batch.take());
                ObjectNode body = Journal.JSON.createObjectNode();
                body.put("status", e.status());
                body.put("end_time", e.endTime());
                appendEntry("end", body);
            } else if (item instanceof FlushItem f) {
                flushes.add(f);
            }
        }
        append(batch.take());
        return flushes;
    }

    private void append(ObjectNode batchBody) {
        if (batchBody != null) {
            appendEntry("batch", batchBody);
        }
    }

    private void appendEntry(String type, ObjectNode body) {
        Journal.Entry e = journal.append(type, body);
        if (!drainingFromClose && !reloadFromJournal) { // close() leaves the sender's in-memory list alone
            pending.add(e);
        }
    }

    /** Sends pending entries unless offline and not yet due for another attempt. */
    private void sendNow() {
        if (authFailed || System.nanoTime() < nextAttemptNanos) {
            return;
        }
        try {
            if (reloadFromJournal) {
                if (offline && !rest.healthy()) {
                    scheduleRetry();
                    return;
                }
                pending = new ArrayList<>(journal.unacked());
                reloadFromJournal = false;
            }
            JournalSender.Outcome outcome = sender.send(pending);
            switch (outcome) {
                case DONE -> {
                    if (offline) {
                        log.info("MLflow server " + rest.settings().safeUri() + " reachable again; the journal is caught up");
                    }
                    offline = false;
                    retryPause = options.firstRetry();
                    nextAttemptNanos = 0;
                }
                case UNAVAILABLE -> {
                    if (!offline) {
                        log.warn(sender.lastError().getMessage() + " — the run goes on; everything is journaled in "
                                + journal.dir() + " and sent when the server answers again");
                    }
                    offline = true;
                    goOffline();
                    scheduleRetry();
                }
                case AUTH -> {
                    if (thread.isAlive()) { // at start() the caller gets the exception instead
                        log.warn(sender.lastError().getMessage());
                    }
                    authFailed = true;
                    goOffline();
                }
            }
        } catch (IOException | RuntimeException e) {
            // never let tracking break the run: keep journaling, try again later
            log.warn("MLflow sending failed: " + e.getMessage());
            offline = true;
            goOffline();
            scheduleRetry();
        }
    }

    /** Drops the in-memory copy; the journal on disk is the truth until the server is back. */
    private void goOffline() {
        pending = new ArrayList<>();
        reloadFromJournal = true;
    }

    private void scheduleRetry() {
        nextAttemptNanos = System.nanoTime() + retryPause.toNanos();
        Duration doubled = retryPause.multipliedBy(2);
        retryPause = doubled.compareTo(options.maxRetry()) > 0 ? options.maxRetry() : doubled;
    }

    private static void joinQuietly(Thread t, Duration timeout) {
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Accumulates one log-batch entry within the per-request limits. */
    private static final class BatchBuilder {
        private ObjectNode body;
        private int metrics;
        private int params;
        private int tags;

        private ObjectNode body() {
            if (body == null) {
                body = Journal.JSON.createObjectNode();
                body.putArray("metrics");
                body.putObject("params");
                body.putObject("tags");
            }
            return body;
        }

        private boolean full() {
            return metrics + params + tags >= MlflowLimits.MAX_ENTITIES_PER_BATCH;
        }

        boolean fitsMetric() {
            return metrics < MlflowLimits.MAX_METRICS_PER_BATCH && !full();
        }

        boolean fitsParam() {
            return params < MlflowLimits.MAX_PARAMS_PER_BATCH && !full();
        }

        boolean fitsTag() {
            return tags < MlflowLimits.MAX_TAGS_PER_BATCH && !full();
        }

        void metric(MetricItem m) {
            ArrayNode a = ((ArrayNode) body().get("metrics")).addArray();
            a.add(m.key());
            if (Double.isFinite(m.value())) {
                a.add(m.value());
            } else {
                a.add(Double.toString(m.value())); // NaN / Infinity: JSON has no literal for them
            }
            a.add(m.timestamp());
            a.add(m.step());
            metrics++;
        }

        void param(ParamItem p) {
            ((ObjectNode) body().get("params")).put(p.key(), p.value());
            params++;
        }

        void tag(TagItem t) {
            ObjectNode tagNode = (ObjectNode) body().get("tags");
            if (!tagNode.has(t.key())) {
                tags++;
            }
            tagNode.put(t.key(), t.value()); // a tag set twice in one batch: the later value wins
        }

        /** The finished entry body, or null when empty; starts a new one. */
        ObjectNode take() {
            ObjectNode b = body;
            body = null;
            metrics = params = tags = 0;
            return b;
        }
    }
}
