package io.paligemma4j.loader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * All tensors of a checkpoint directory (or a single {@code .safetensors} file), memory-mapped,
 * keyed by canonical name ({@link TensorNames#canonical}). Sharded checkpoints are read through
 * {@code model.safetensors.index.json}. Closing the checkpoint unmaps every file; tensors must not
 * be used afterwards.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, SafetensorsFile> files;
    private final String description;

    private Checkpoint(Arena arena, Map<String, Tensor> tensors, Map<String, SafetensorsFile> files, String description) {
        this.arena = arena;
        this.tensors = tensors;
        this.files = files;
        this.description = description;
    }

    /** A tensor's place in its file. */
    public record FileSpan(Path file, long offset, long length) {}

    /** Where {@code t} lies on disk, or null when it is not one of this checkpoint's tensors. */
    public FileSpan locate(Tensor t) {
        SafetensorsFile sf = files.get(t.source());
        if (sf == null || sf.tensors().get(t.name()) != t) {
            return null;
        }
        return new FileSpan(sf.path(), sf.fileOffset(t), t.data().byteSize());
    }

    public static Checkpoint open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, SafetensorsFile> files = new LinkedHashMap<>();
            String description;
            if (Files.isRegularFile(path)) {
                addFile(tensors, files, SafetensorsFile.open(path, arena), null);
                description = path.toString();
            } else if (Files.isDirectory(path)) {
                Path index = path.resolve(INDEX);
                Path single = path.resolve(SINGLE);
                if (Files.isRegularFile(index)) {
                    readSharded(path, index, arena, tensors, files);
                    description = index.toString();
                } else if (Files.isRegularFile(single)) {
                    addFile(tensors, files, SafetensorsFile.open(single, arena), null);
                    description = single.toString();
                } else {
                    throw new BadInputException("checkpoint directory " + path + " has neither "
                            + SINGLE + " nor " + INDEX);
                }
            } else {
                throw new BadInputException("checkpoint " + path + ": no such file or directory");
            }
            return new Checkpoint(arena, tensors, files, description);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void readSharded(Path dir, Path index, Arena arena, Map<String, Tensor> out,
                                    Map<String, SafetensorsFile> files) {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new BadInputException("index " + index + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadInputException("index " + index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new BadInputException("index " + index + " has no weight_map object");
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new BadInputException("index " + index + ": weight_map entry for "
                        + e.getKey() + " is not a file name");
            }
            wanted.put(e.getKey(), e.getValue().asText());
        }
        for (String shard : new TreeSet<>(wanted.values())) {
            Path file = dir.resolve(shard).normalize();
            if (!file.startsWith(dir.normalize()) || shard.contains("/") || shard.contains("\\")) {
                throw new BadInputException("index " + index + " names shard '" + shard
                        + "' outside the checkpoint directory");
            }
            SafetensorsFile sf;
            try {
                sf = SafetensorsFile.open(file, arena);
            } catch (BadInputException e) {
                if (!Files.exists(file)) {
                    throw new BadInputException("index " + index + " names shard " + shard
                            + ", which does not exist");
                }
                throw e;
            }
            for (Map.Entry<String, String> w : wanted.entrySet()) {
                if (w.getValue().equals(shard) && !sf.tensors().containsKey(w.getKey())) {
                    throw new BadInputException("index " + index + " puts tensor " + w.getKey()
                            + " in " + shard + ", which does not contain it");
                }
            }
            addFile(out, files, sf, wanted);
        }
    }

    private static void addFile(Map<String, Tensor> out, Map<String, SafetensorsFile> files, SafetensorsFile sf,
                                Map<String, String> wanted) {
        files.put(sf.path().toString(), sf);
        String shard = sf.path().getFileName().toString();
        for (Tensor t : sf.tensors().values()) {
            if (wanted != null && !shard.equals(wanted.get(t.name()))) {
                continue; // stored here but the index assigns it elsewhere (or nowhere)
            }
            String canonical = TensorNames.canonical(t.name());
            Tensor prev = out.putIfAbsent(canonical, t);
            if (prev != null) {
                throw new BadInputException("tensor " + canonical + " is stored twice: as " + prev.name()
                        + " in " + prev.source() + " and as " + t.name() + " in " + t.source());
            }
        }
    }

    public boolean has(String canonicalName) {
        return tensors.containsKey(canonicalName);
    }

    /** The tensor, or a clear error naming it and the checkpoint. */
    public Tensor get(String canonicalName) {
        Tensor t = tensors.get(canonicalName);
        if (t == null) {
            throw new BadInputException("checkpoint " + description + " is missing tensor " + canonicalName);
        }
        return t;
    }

    public Map<String, Tensor> tensors() {
        return java.util.Collections.unmodifiableMap(tensors);
    }

    /** Total bytes of all tensors (what a full pass over the weights reads). */
    public long byteSize() {
        return tensors.values().stream().mapToLong(t -> t.data().byteSize()).sum();
    }

    @Override
    public void close() {
        arena.close();
    }
}
