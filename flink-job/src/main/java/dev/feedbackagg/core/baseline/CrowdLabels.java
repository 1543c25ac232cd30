package dev.feedbackagg.core.baseline;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An immutable set of crowd labels loaded from a CSV file with the columns {@code item_id},
 * {@code labeler_id}, {@code label} and {@code gold} (in any order; extra columns are ignored).
 *
 * <p>Items are indexed {@code 0..itemCount()-1} in order of their first appearance in the file;
 * labelers likewise {@code 0..labelerCount()-1}. Labels (one per data row) are indexed
 * {@code 0..labelCount()-1} in file order. Each item has exactly one gold value, which must be
 * the same on all of its rows.
 *
 * <p>The format is a deliberately small subset of CSV: comma-separated, no quoting (a line
 * containing a double quote is rejected), fields trimmed, LF or CRLF line ends, UTF-8 (a leading
 * byte-order mark is ignored), blank lines skipped. {@code label} and {@code gold} must be plain
 * decimal numbers in [0, 1].
 */
public final class CrowdLabels {

    public static final String ITEM_ID = "item_id";
    public static final String LABELER_ID = "labeler_id";
    public static final String LABEL = "label";
    public static final String GOLD = "gold";

    private static final List<String> REQUIRED_COLUMNS = List.of(ITEM_ID, LABELER_ID, LABEL, GOLD);

    /** Plain decimal number, optionally signed, optional exponent. No hex, no suffixes, no NaN/Infinity. */
    private static final Pattern NUMBER =
            Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private static final int MAX_SHOWN_VALUE_LENGTH = 60;

    /** One label: who gave it and its value in [0, 1]. */
    public record Label(String labelerId, double label) {
    }

    /** A problem reading or validating a crowd-label file; the message is one line naming the file. */
    public static final class CrowdLabelsException extends Exception {
        private static final long serialVersionUID = 1L;

        public CrowdLabelsException(String message) {
            super(message);
        }

        public CrowdLabelsException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path source;
    private final String[] itemIds;
    private final double[] gold;
    private final String[] labelerIds;
    /** Per label (file order). */
    private final int[] labelItem;
    private final int[] labelLabeler;
    private final double[] labelValue;
    /** Label indexes grouped by item: item i owns itemLabels[itemOffsets[i] .. itemOffsets[i+1]). */
    private final int[] itemOffsets;
    private final int[] itemLabels;

    private CrowdLabels(Path source, String[] itemIds, double[] gold, String[] labelerIds,
            int[] labelItem, int[] labelLabeler, double[] labelValue) {
        this.source = source;
        this.itemIds = itemIds;
        this.gold = gold;
        this.labelerIds = labelerIds;
        this.labelItem = labelItem;
        this.labelLabeler = labelLabeler;
        this.labelValue = labelValue;

        int n = itemIds.length;
        int[] offsets = new int[n + 1];
        for (int item : labelItem) {
            offsets[item + 1]++;
        }
        for (int i = 0; i < n; i++) {
            offsets[i + 1] += offsets[i];
        }
        int[] next = Arrays.copyOf(offsets, n);
        int[] grouped = new int[labelItem.length];
        for (int k = 0; k < labelItem.length; k++) {
            grouped[next[labelItem[k]]++] = k;
        }
        this.itemOffsets = offsets;
        this.itemLabels = grouped;
    }

    // ------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------

    /**
     * Reads and validates a crowd-label CSV file.
     *
     * @throws CrowdLabelsException if the file cannot be read or any line is invalid; the message
     *     names the file and, where applicable, the line number, column and offending value
     */
    public static CrowdLabels read(Path file) throws CrowdLabelsException {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new CrowdLabelsException(file + ": is a directory, not a file");
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(file, in);
        } catch (NoSuchFileException e) {
            throw new CrowdLabelsException(file + ": file not found", e);
        } catch (CharacterCodingException e) {
            throw new CrowdLabelsException(file + ": not valid UTF-8 text", e);
        } catch (IOException e) {
            throw new CrowdLabelsException(file + ": cannot read file (" + oneLine(e) + ")", e);
        }
    }

    private static CrowdLabels parse(Path file, BufferedReader in) throws IOException, CrowdLabelsException {
        String headerLine = in.readLine();
        if (headerLine == null) {
            throw new CrowdLabelsException(file + ": no rows (the file is empty)");
        }
        if (!headerLine.isEmpty() && headerLine.charAt(0) == '\uFEFF') {
            headerLine = headerLine.substring(1);
        }
        if (headerLine.indexOf('"') >= 0) {
            throw new CrowdLabelsException(at(file, 1)
                    + ": header contains a double quote (\"); quoted CSV fields are not supported");
        }
        String[] header = headerLine.split(",", -1);
        Map<String, Integer> columnIndex = new HashMap<>();
        for (int c = 0; c < header.length; c++) {
            String name = header[c].trim();
            if (!name.isEmpty() && columnIndex.putIfAbsent(name, c) != null) {
                throw new CrowdLabelsException(at(file, 1) + ": duplicate column '" + shown(name) + "' in header");
            }
        }
        List<String> missing = new ArrayList<>();
        for (String required : REQUIRED_COLUMNS) {
            if (!columnIndex.containsKey(required)) {
                missing.add("'" + required + "'");
            }
        }
        if (!missing.isEmpty()) {
            throw new CrowdLabelsException(at(file, 1) + ": missing column" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing) + " (header: " + shown(headerLine.trim()) + ")");
        }
        final int fieldCount = header.length;
        final int cItem = columnIndex.get(ITEM_ID);
        final int cLabeler = columnIndex.get(LABELER_ID);
        final int cLabel = columnIndex.get(LABEL);
        final int cGold = columnIndex.get(GOLD);

        Map<String, Integer> itemIndex = new HashMap<>();
        List<String> itemIds = new ArrayList<>();
        double[] gold = new double[64];
        String[] goldText = new String[64];
        int[] goldLine = new int[64];

        Map<String, Integer> labelerIndex = new HashMap<>();
        List<String> labelerIds = new ArrayList<>();

        int[] labelItem = new int[1024];
        int[] labelLabeler = new int[1024];
        double[] labelValue = new double[1024];
        int labelCount = 0;

        int lineNo = 1;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (line.indexOf('"') >= 0) {
                throw new CrowdLabelsException(at(file, lineNo)
                        + ": line contains a double quote (\"); quoted CSV fields are not supported");
            }
            String[] fields = line.split(",", -1);
            if (fields.length != fieldCount) {
                throw new CrowdLabelsException(at(file, lineNo) + ": expected " + fieldCount
                        + " fields (as in the header) but found " + fields.length);
            }
            String itemId = requireNonEmpty(file, lineNo, ITEM_ID, fields[cItem]);
            String labelerId = requireNonEmpty(file, lineNo, LABELER_ID, fields[cLabeler]);
            double label = parseUnitNumber(file, lineNo, LABEL, fields[cLabel]);
            String goldField = fields[cGold].trim();
            double goldValue = parseUnitNumber(file, lineNo, GOLD, goldField);

            Integer item = itemIndex.get(itemId);
            if (item == null) {
                item = itemIds.size();
                itemIndex.put(itemId, item);
                itemIds.add(itemId);
                if (item == gold.length) {
                    gold = Arrays.copyOf(gold, 2 * item);
                    goldText = Arrays.copyOf(goldText, 2 * item);
                    goldLine = Arrays.copyOf(goldLine, 2 * item);
                }
                gold[item] = goldValue;
                goldText[item] = goldField;
                goldLine[item] = lineNo;
            } else if (gold[item] != goldValue) {
                throw new CrowdLabelsException(column(file, lineNo, GOLD) + ": value '" + shown(goldField)
                        + "' for item '" + shown(itemId) + "' differs from its gold '" + shown(goldText[item])
                        + "' on line " + goldLine[item]);
            }

            Integer labeler = labelerIndex.get(labelerId);
            if (labeler == null) {
                labeler = labelerIds.size();
                labelerIndex.put(labelerId, labeler);
                labelerIds.add(labelerId);
            }

            if (labelCount == labelItem.length) {
                labelItem = Arrays.copyOf(labelItem, 2 * labelCount);
                labelLabeler = Arrays.copyOf(labelLabeler, 2 * labelCount);
                labelValue = Arrays.copyOf(labelValue, 2 * labelCount);
            }
            labelItem[labelCount] = item;
            labelLabeler[labelCount] = labeler;
            labelValue[labelCount] = label;
            labelCount++;
        }
        if (labelCount == 0) {
            throw new CrowdLabelsException(file + ": no rows (the file has a header but no data rows)");
        }
        return new CrowdLabels(file,
                itemIds.toArray(new String[0]),
                Arrays.copyOf(gold, itemIds.size()),
                labelerIds.toArray(new String[0]),
                Arrays.copyOf(labelItem, labelCount),
                Arrays.copyOf(labelLabeler, labelCount),
                Arrays.copyOf(labelValue, labelCount));
    }

    private static String requireNonEmpty(Path file, int lineNo, String column, String field)
            throws CrowdLabelsException {
        String value = field.trim();
        if (value.isEmpty()) {
            throw new CrowdLabelsException(column(file, lineNo, column) + ": empty value");
        }
        return value;
    }

    private static double parseUnitNumber(Path file, int lineNo, String column, String field)
            throws CrowdLabelsException {
        String text = field.trim();
        if (text.isEmpty()) {
            throw new CrowdLabelsException(column(file, lineNo, column) + ": empty value, expected a number in [0, 1]");
        }
        if (text.equalsIgnoreCase("nan") || text.equalsIgnoreCase("+nan") || text.equalsIgnoreCase("-nan")) {
            throw new CrowdLabelsException(column(file, lineNo, column) + ": value '" + shown(text)
                    + "' is NaN, expected a number in [0, 1]");
        }
        if (!NUMBER.matcher(text).matches()) {
            throw new CrowdLabelsException(column(file, lineNo, column) + ": value '" + shown(text)
                    + "' is not a number, expected a number in [0, 1]");
        }
        double value = Double.parseDouble(text);
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new CrowdLabelsException(column(file, lineNo, column) + ": value '" + shown(text)
                    + "' is outside [0, 1]");
        }
        return value == 0.0 ? 0.0 : value; // normalise -0.0
    }

    private static String at(Path file, int lineNo) {
        return file + ", line " + lineNo;
    }

    private static String column(Path file, int lineNo, String column) {
        return at(file, lineNo) + ", column '" + column + "'";
    }

    private static String shown(String value) {
        return value.length() <= MAX_SHOWN_VALUE_LENGTH
                ? value
                : value.substring(0, MAX_SHOWN_VALUE_LENGTH) + "...";
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage();
        String text = message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
        return text.replaceAll("[\\r\\n]+", " ");
    }

    // ------------------------------------------------------------------------------------------
    // Accessors
    // ------------------------------------------------------------------------------------------

    /** The file these labels were read from. */
    public Path source() {
        return source;
    }

    /** Number of distinct items. */
    public int itemCount() {
        return itemIds.length;
    }

    /** Id of item {@code i} (items in order of first appearance in the file). */
    public String itemId(int i) {
        return itemIds[i];
    }

    /** Gold value of item {@code i}, in [0, 1]. */
    public double gold(int i) {
        return gold[i];
    }

    /** Number of labels of item {@code i}. */
    public int labelCountOfItem(int i) {
        Objects.checkIndex(i, itemIds.length);
        return itemOffsets[i + 1] - itemOffsets[i];
    }

    /** Indexes (see {@link #labelValue(int)} etc.) of the labels of item {@code i}, in file order; a fresh copy. */
    public int[] labelIndexesOfItem(int i) {
        Objects.checkIndex(i, itemIds.length);
        return Arrays.copyOfRange(itemLabels, itemOffsets[i], itemOffsets[i + 1]);
    }

    /** The labels of item {@code i}, in file order. */
    public List<Label> labelsOfItem(int i) {
        Objects.checkIndex(i, itemIds.length);
        List<Label> labels = new ArrayList<>(itemOffsets[i + 1] - itemOffsets[i]);
        for (int p = itemOffsets[i]; p < itemOffsets[i + 1]; p++) {
            int k = itemLabels[p];
            labels.add(new Label(labelerIds[labelLabeler[k]], labelValue[k]));
        }
        return List.copyOf(labels);
    }

    /** Number of labels (data rows). */
    public int labelCount() {
        return labelValue.length;
    }

    /** Number of distinct labeler ids. */
    public int labelerCount() {
        return labelerIds.length;
    }

    /** Id of labeler {@code j} (labelers in order of first appearance in the file). */
    public String labelerId(int j) {
        return labelerIds[j];
    }

    /** Value in [0, 1] of label {@code k} (labels in file order). */
    public double labelValue(int k) {
        return labelValue[k];
    }

    /** Item index of label {@code k}. */
    public int itemOfLabel(int k) {
        return labelItem[k];
    }

    /** Labeler index of label {@code k}. */
    public int labelerOfLabel(int k) {
        return labelLabeler[k];
    }

    /** Labeler id of label {@code k}. */
    public String labelerIdOfLabel(int k) {
        return labelerIds[labelLabeler[k]];
    }

    @Override
    public String toString() {
        return "CrowdLabels[" + source + ": " + itemCount() + " items, " + labelerCount() + " labelers, "
                + labelCount() + " labels]";
    }
}
