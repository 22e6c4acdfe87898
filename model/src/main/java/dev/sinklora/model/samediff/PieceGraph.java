package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A SameDiff graph run as a function of its placeholders, for a piece of a bigger computation whose
 * backward pass is chained by hand (activation recomputation). Two kinds:
 * <ul>
 *   <li>{@link #vjp}: each output {@code y} gets an "upstream" placeholder {@code dy} (the gradient of the
 *       whole computation's loss with respect to {@code y}) and the piece's loss is {@code sum(y * dy)}, so
 *       {@link #gradients} is the vector-Jacobian product: d(total loss)/d(input) for the chosen inputs.</li>
 *   <li>{@link #loss}: the piece ends in a scalar loss of its own (the model's head).</li>
 * </ul>
 * Every run is scoped out of DL4J's workspaces; the session's arrays live in an {@link ArenaMemoryMgr},
 * freed as the session releases them and, the rest, when the run ends (results are copied out first), and
 * placeholders are cleared, so between runs the graph holds no activations. Returned arrays belong to the
 * caller. One instance per network copy; runs
 * from several threads each get their own session.
 */
public final class PieceGraph {

    private final SameDiff sd;
    private final List<String> outputs;
    private final List<String> wrt;

    private PieceGraph(SameDiff sd, List<String> outputs, List<String> wrt) {
        this.sd = sd;
        this.outputs = List.copyOf(outputs);
        this.wrt = List.copyOf(wrt);
        SameDiffs.silenceGradFunctionNoise();
        sd.createGradFunction(wrt.toArray(new String[0]));
    }

    /**
     * A piece differentiated through upstream gradients.
     *
     * @param upstream each output paired with its upstream placeholder (same shape)
     * @param wrt      names of the placeholders to differentiate with respect to
     */
    public static PieceGraph vjp(SameDiff sd, Map<SDVariable, SDVariable> upstream, List<String> wrt) {
        SDVariable loss = null;
        List<String> outs = new ArrayList<>();
        for (Map.Entry<SDVariable, SDVariable> e : upstream.entrySet()) {
            SDVariable term = e.getKey().mul(e.getValue()).sum();
            loss = loss == null ? term : loss.add(term);
            outs.add(e.getKey().name());
        }
        sd.setLossVariables(loss);
        return new PieceGraph(sd, outs, wrt);
    }

    /**
     * A piece ending in its own scalar {@code loss}.
     *
     * @param outputs other variables {@link #forward} may be asked for (e.g. logits)
     */
    public static PieceGraph loss(SameDiff sd, SDVariable loss, List<SDVariable> outputs, List<String> wrt) {
        sd.setLossVariables(loss);
        List<String> outs = new ArrayList<>();
        outs.add(loss.name());
        outputs.forEach(o -> outs.add(o.name()));
        return new PieceGraph(sd, outs, wrt);
    }

    /** The outputs' names (for a {@link #loss} piece, the loss first). */
    public List<String> outputs() {
        return outputs;
    }

    /** The requested outputs for the given placeholder values (upstream placeholders are not needed). */
    public Map<String, INDArray> forward(Map<String, INDArray> inputs, String... names) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ArenaMemoryMgr arena = arena(sd);
            try {
                return copies(sd.output(inputs, names));
            } finally {
                clear();
                arena.closeAll();
            }
        }
    }

    /** Gradients of the piece's loss with respect to {@code wrt}, keyed by placeholder name. */
    public Map<String, INDArray> gradients(Map<String, INDArray> inputs) {
        return lossAndGradients(inputs, List.of()).gradients();
    }

    /** What {@link #lossAndGradients} returns. */
    public record Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {
    }

    /** {@code outputNames} (e.g. the loss) and the gradients with respect to {@code wrt}, from one run. */
    public Result lossAndGradients(Map<String, INDArray> inputs, List<String> outputNames) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ArenaMemoryMgr arena = arena(sd.getFunction("grad"));
            try {
                OutAndGrad r = sd.calculateGradientsAndOutputs(inputs, outputNames, wrt);
                return new Result(copies(r.getOutputs()), copies(r.getGradients()));
            } finally {
                clear();
                arena.closeAll();
            }
        }
    }

    private void clear() {
        sd.clearPlaceholders(true);
        sd.clearOpInputs();
        SameDiff grad = sd.getFunction("grad");
        grad.clearPlaceholders(true);
        grad.clearOpInputs();
    }

    /** Fresh detached copies of a run's results, which outlive the run's arena. */
    private static Map<String, INDArray> copies(Map<String, INDArray> results) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (results != null) {
            results.forEach((name, a) -> out.put(name, a.dup()));
        }
        return out;
    }

    /**
     * The {@link ArenaMemoryMgr} of this thread's session of {@code s}, installed in place of SameDiff's
     * default (a cache of released arrays, which would keep up to a quarter of memory per graph).
     */
    private static ArenaMemoryMgr arena(SameDiff s) {
        InferenceSession session = s.getSessions().computeIfAbsent(Thread.currentThread().getId(),
                id -> SameDiff.getInferenceFactory().create(s));
        if (session.getMmgr() instanceof ArenaMemoryMgr arena) {
            return arena;
        }
        SessionMemMgr previous = session.getMmgr();
        ArenaMemoryMgr arena = new ArenaMemoryMgr();
        session.setMmgr(arena);
        if (previous != null) {
            previous.close();
        }
        return arena;
    }
}
