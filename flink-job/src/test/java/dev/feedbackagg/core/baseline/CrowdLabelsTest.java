package dev.feedbackagg.core.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedbackagg.core.baseline.CrowdLabels.CrowdLabelsException;
import dev.feedbackagg.core.baseline.CrowdLabels.Label;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CrowdLabelsTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertReadFails(Path file) {
        return assertThatThrownBy(() -> CrowdLabels.read(file))
                .isInstanceOf(CrowdLabelsException.class)
                .hasMessageContaining(file.toString())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
    }

    private Path dataFile(String name, String row) throws IOException {
        return write(name, "item_id,labeler_id,label,gold\na,w1,1,1\n" + row + "\n");
    }

    @Test
    void parsesColumnsInAnyOrderWithExtraColumnsCrlfAndWhitespace() throws Exception {
        Path file = write("ok.csv",
                "\uFEFF gold , note,label,labeler_id ,item_id\r\n"
                        + "1,x, 1 ,w1,  i2\r\n"
                        + "0,y,0,w2,i1\r\n"
                        + "\r\n"
                        + "1,z,0.25,w2,i2\r\n"
                        + "0,,1,w3,i1\r\n"
                        + "1,,1.0,w1,i3\r\n");
        CrowdLabels data = CrowdLabels.read(file);

        assertThat(data.source()).isEqualTo(file);
        assertThat(data.itemCount()).isEqualTo(3);
        assertThat(data.labelCount()).isEqualTo(5);
        assertThat(data.labelerCount()).isEqualTo(3);

        assertThat(data.itemId(0)).isEqualTo("i2");
        assertThat(data.itemId(1)).isEqualTo("i1");
        assertThat(data.itemId(2)).isEqualTo("i3");
        assertThat(data.gold(0)).isEqualTo(1.0);
        assertThat(data.gold(1)).isEqualTo(0.0);
        assertThat(data.gold(2)).isEqualTo(1.0);

        assertThat(data.labelerId(0)).isEqualTo("w1");
        assertThat(data.labelerId(1)).isEqualTo("w2");
        assertThat(data.labelerId(2)).isEqualTo("w3");

        assertThat(data.labelIndexesOfItem(0)).containsExactly(0, 2);
        assertThat(data.labelIndexesOfItem(1)).containsExactly(1, 3);
        assertThat(data.labelIndexesOfItem(2)).containsExactly(4);
        assertThat(data.labelCountOfItem(0)).isEqualTo(2);
        assertThat(data.labelsOfItem(0)).containsExactly(new Label("w1", 1.0), new Label("w2", 0.25));
        assertThat(data.labelsOfItem(1)).containsExactly(new Label("w2", 0.0), new Label("w3", 1.0));
        assertThat(data.labelsOfItem(2)).containsExactly(new Label("w1", 1.0));

        assertThat(data.labelValue(2)).isEqualTo(0.25);
        assertThat(data.labelerIdOfLabel(2)).isEqualTo("w2");
        assertThat(data.labelerOfLabel(3)).isEqualTo(2);
        assertThat(data.itemOfLabel(3)).isEqualTo(1);
    }

    @Test
    void labelIndexesAreACopy() throws Exception {
        CrowdLabels data = CrowdLabels.read(dataFile("copy.csv", "a,w2,0,1"));
        data.labelIndexesOfItem(0)[0] = 99;
        assertThat(data.labelIndexesOfItem(0)).containsExactly(0, 1);
    }

    @Test
    void missingFile() {
        assertReadFails(dir.resolve("nope.csv")).hasMessageContaining("not found");
    }

    @Test
    void directoryInsteadOfFile() {
        assertReadFails(dir).hasMessageContaining("directory");
    }

    @Test
    void emptyFile() throws Exception {
        assertReadFails(write("empty.csv", "")).hasMessageContaining("no rows");
    }

    @Test
    void headerOnly() throws Exception {
        assertReadFails(write("header.csv", "item_id,labeler_id,label,gold\r\n")).hasMessageContaining("no rows");
    }

    @Test
    void missingColumn() throws Exception {
        assertReadFails(write("nogold.csv", "item_id,labeler_id,label\na,w1,1\n"))
                .hasMessageContaining("line 1")
                .hasMessageContaining("missing column 'gold'");
    }

    @Test
    void missingColumnsAreAllNamed() throws Exception {
        assertReadFails(write("few.csv", "item,labeler_id,score,gold\na,w1,1,1\n"))
                .hasMessageContaining("missing columns 'item_id', 'label'");
    }

    @Test
    void duplicateColumn() throws Exception {
        assertReadFails(write("dup.csv", "item_id,labeler_id,label,gold,label\na,w1,1,1,0\n"))
                .hasMessageContaining("duplicate column 'label'");
    }

    @Test
    void labelNotANumber() throws Exception {
        assertReadFails(dataFile("nan1.csv", "b,w2,yes,0"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'label'")
                .hasMessageContaining("'yes'")
                .hasMessageContaining("not a number");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0x1p0", "1d", "1f", "Infinity", "1.0.0", "one"})
    void labelInOtherNumberSyntaxesIsRejected(String value) throws Exception {
        assertReadFails(dataFile("syntax.csv", "b,w2," + value + ",0"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'label'")
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining("not a number");
    }

    @Test
    void numbersInOtherPlainSyntaxesAreAccepted() throws Exception {
        CrowdLabels data = CrowdLabels.read(write("plain.csv",
                "item_id,labeler_id,label,gold\na,w1,.5,1.\nb,w1,+1,0e0\nc,w1,-0,1E-0\n"));
        assertThat(data.labelValue(0)).isEqualTo(0.5);
        assertThat(data.labelValue(1)).isEqualTo(1.0);
        assertThat(data.labelValue(2)).isEqualTo(0.0);
        assertThat(data.gold(0)).isEqualTo(1.0);
        assertThat(data.gold(1)).isEqualTo(0.0);
        assertThat(data.gold(2)).isEqualTo(1.0);
    }

    @Test
    void labelNaN() throws Exception {
        assertReadFails(dataFile("nan2.csv", "b,w2,NaN,0"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'label'")
                .hasMessageContaining("'NaN'")
                .hasMessageContaining("is NaN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "-0.1", "2", "1e3"})
    void labelOutOfRange(String value) throws Exception {
        assertReadFails(dataFile("range.csv", "b,w2," + value + ",0"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'label'")
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining("outside [0, 1]");
    }

    @Test
    void emptyLabel() throws Exception {
        assertReadFails(dataFile("emptylabel.csv", "b,w2, ,0"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'label'")
                .hasMessageContaining("empty value");
    }

    @Test
    void goldNotANumber() throws Exception {
        assertReadFails(dataFile("gold1.csv", "b,w2,1,true"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'gold'")
                .hasMessageContaining("'true'")
                .hasMessageContaining("not a number");
    }

    @Test
    void goldNaN() throws Exception {
        assertReadFails(dataFile("gold2.csv", "b,w2,1,nan"))
                .hasMessageContaining("column 'gold'")
                .hasMessageContaining("is NaN");
    }

    @Test
    void goldOutOfRange() throws Exception {
        assertReadFails(dataFile("gold3.csv", "b,w2,1,2"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'gold'")
                .hasMessageContaining("'2'")
                .hasMessageContaining("outside [0, 1]");
    }

    @Test
    void inconsistentGoldNamesTheItem() throws Exception {
        assertReadFails(write("gold4.csv",
                "item_id,labeler_id,label,gold\nitem-7,w1,1,1\nb,w1,1,0\nitem-7,w2,1,0\n"))
                .hasMessageContaining("line 4")
                .hasMessageContaining("column 'gold'")
                .hasMessageContaining("item 'item-7'")
                .hasMessageContaining("line 2");
    }

    @Test
    void emptyItemId() throws Exception {
        assertReadFails(dataFile("noitem.csv", "  ,w2,1,1"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'item_id'")
                .hasMessageContaining("empty value");
    }

    @Test
    void emptyLabelerId() throws Exception {
        assertReadFails(dataFile("nolabeler.csv", "b,,1,1"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("column 'labeler_id'")
                .hasMessageContaining("empty value");
    }

    @Test
    void tooFewFields() throws Exception {
        assertReadFails(dataFile("few.csv", "b,w2,1"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("expected 4 fields")
                .hasMessageContaining("found 3");
    }

    @Test
    void tooManyFields() throws Exception {
        assertReadFails(dataFile("many.csv", "b,w2,1,1,extra"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("expected 4 fields")
                .hasMessageContaining("found 5");
    }

    @Test
    void doubleQuoteIsRejected() throws Exception {
        assertReadFails(dataFile("quote.csv", "\"b\",w2,1,1"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("double quote")
                .hasMessageContaining("not supported");
    }

    @Test
    void doubleQuoteInHeaderIsRejected() throws Exception {
        assertReadFails(write("quotehead.csv", "\"item_id\",labeler_id,label,gold\na,w1,1,1\n"))
                .hasMessageContaining("line 1")
                .hasMessageContaining("double quote");
    }

    @Test
    void lineNumbersCountBlankLines() throws Exception {
        assertReadFails(write("blank.csv", "item_id,labeler_id,label,gold\r\na,w1,1,1\r\n\r\nb,w1,x,1\r\n"))
                .hasMessageContaining("line 4")
                .hasMessageContaining("'x'");
    }
}
