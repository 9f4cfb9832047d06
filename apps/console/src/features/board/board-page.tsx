import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { FollowUpsPanel } from '../follow-ups/worklist';
import { BoardQueue } from '../queue/board-queue';
import { AlertsPanel, OpenAlertsBadge } from './alerts-panel';
import { AttentionPanel } from './attention-panel';
import { ChartsPanel } from './charts-panel';
import { FiguresPanel } from './figures-panel';
import { HandoverNotes, HandoverPanel } from './handover-panel';
import { OperatorsPanel } from './operators-panel';

export function BoardPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.board')} intro={t('board.intro')} aside={<OpenAlertsBadge place="heading" />}>
      <HandoverNotes />
      <AlertsPanel />
      <FiguresPanel />
      <AttentionPanel />
      <OperatorsPanel />
      <BoardQueue />
      <FollowUpsPanel area="board" />
      <ChartsPanel />
      <HandoverPanel />
    </AreaPage>
  );
}
