import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { FollowUpsPanel } from '../../features/follow-ups/worklist';
import { BoardQueue } from '../../features/queue/board-queue';
import { useOperators } from '../../features/queue/queue-hooks';
import { AlertsPanel, OpenAlertsBadge } from './alerts-panel';
import { AttentionPanel } from './attention-panel';
import { ChartsPanel } from './charts-panel';
import { FiguresPanel } from './figures-panel';
import { HandoverNotes, HandoverPanel } from './handover-panel';
import { OperatorsPanel } from './operators-panel';

export function BoardPage() {
  const { t } = useTranslation();
  const operators = useOperators();
  return (
    <AreaPage title={t('areas.board')} intro={t('board.intro')} aside={<OpenAlertsBadge place="heading" />}>
      <HandoverNotes />
      <AlertsPanel />
      <FiguresPanel />
      <AttentionPanel />
      <OperatorsPanel />
      <BoardQueue />
      <FollowUpsPanel area="board" operators={operators} />
      <ChartsPanel />
      <HandoverPanel />
    </AreaPage>
  );
}
