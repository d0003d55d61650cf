package io.paligemma4j.runtime;

import io.paligemma4j.loader.BadInputException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends on the class path and picks one by name or by priority. */
public final class Backends {
    /**
     * A backend whose module is not on the class path cannot describe itself; whoever assembled the
     * class path (the launcher) can, with {@code -Dpaligemma.backend.absent.NAME=why}.
     */
    public static final String ABSENT_PREFIX = "paligemma.backend.absent.";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {}

    /** Backends known to exist but not on the class path: name to the one line saying what is missing. */
    public static java.util.Map<String, String> absent() {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(ABSENT_PREFIX)) {
                m.put(key.substring(ABSENT_PREFIX.length()), System.getProperty(key));
            }
        }
        all().forEach(b -> m.remove(b.name()));
        return m;
    }

    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        for (ServiceLoader.Provider<Backend> p : ServiceLoader.load(Backend.class).stream().toList()) {
            list.add(p.get());
        }
        list.sort(Comparator.comparingInt(Backend::priority).reversed());
        return list;
    }

    /**
     * The backend called {@code name}, or the highest-priority available one when name is null.
     * A named backend that cannot run here is an error, never a silent substitution.
     */
    public static Backend select(String name) {
        List<Backend> all = all();
        if (name == null) {
            Backend chosen = all.stream().filter(b -> b.unavailableReason() == null).findFirst()
                    .orElseThrow(() -> new BadInputException("no backend is available"));
            // Falling back past a faster backend is said out loud: it is usually a missing JVM flag.
            for (Backend b : all) {
                if (b == chosen) {
                    break;
                }
                if (b.priority() > chosen.priority() && b.unavailableReason() != null) {
                    LOG.log(System.Logger.Level.WARNING, "backend " + b.name() + " is unavailable (" + b.unavailableReason()
                            + "); using " + chosen.name() + ", which is far slower. Name a backend to choose one yourself.");
                }
            }
            return chosen;
        }
        for (Backend b : all) {
            if (b.name().equals(name)) {
                String why = b.unavailableReason();
                if (why != null) {
                    throw new BadInputException("backend " + name + " is unavailable: " + why);
                }
                return b;
            }
        }
        List<String> names = all.stream().map(Backend::name).toList();
        String absent = absent().get(name);
        if (absent != null) {
            throw new BadInputException("backend " + name + " is unavailable: " + absent);
        }
        throw new BadInputException("unknown backend '" + name + "'; available: " + names);
    }
}
